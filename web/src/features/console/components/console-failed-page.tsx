import { usePageTitle } from '../hooks/use-page-title.ts';
import { errorMessage } from '../lib/loaded.ts';

/** The console could not start (its configuration or Microsoft sign-in did not answer). */
export function ConsoleFailedPage({ error }: { error: unknown }) {
  usePageTitle('Console could not start');
  return (
    <main className="page">
      <h1>The support console could not start</h1>
      <p role="alert">{errorMessage(error)}</p>
      <p>
        <a href="/console">Try again</a>
      </p>
    </main>
  );
}
