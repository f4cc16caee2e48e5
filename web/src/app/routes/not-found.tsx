import { Link } from 'react-router';
import { paths } from '../../config/paths.ts';

export function NotFoundRoute() {
  return (
    <main className="page">
      <h1>Page not found</h1>
      <p>
        This address does not lead anywhere in Kantiv Connect. If you followed an invite link, open it again
        from the email Kantiv sent you, or ask your Kantiv contact for a new one.
      </p>
      <p>
        <Link to={paths.home}>Go to the start page</Link>
      </p>
    </main>
  );
}
