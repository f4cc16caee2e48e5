import { useLoaderData, useRouteError } from 'react-router';
import { ConsoleApp } from '../../features/console/components/console-app.tsx';
import { getStaffAuth } from '../../features/console/lib/staff-auth.ts';
import { errorMessage } from '../../features/console/lib/use-resource.ts';
import { getClientConfig } from '../../lib/client-config.ts';

/**
 * The support console, loaded only under `/console/*` (its own chunk): MSAL for staff starts in this loader, before
 * the console renders, and never on the customer wizard's pages.
 */
export async function loader() {
  const config = await getClientConfig();
  const auth = await getStaffAuth(config);
  return { config, auth };
}

export function Component() {
  const { config, auth } = useLoaderData<Awaited<ReturnType<typeof loader>>>();
  return <ConsoleApp auth={auth} config={config} />;
}

export function ErrorBoundary() {
  const error = useRouteError();
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
