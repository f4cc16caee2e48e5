import { useLoaderData, useRouteError } from 'react-router';
import { ConsoleApp } from '../../../features/console/components/console-app.tsx';
import { ConsoleFailedPage } from '../../../features/console/components/console-failed-page.tsx';
import { getStaffAuth } from '../../../features/console/lib/staff-auth.ts';
import { getClientConfig } from '../../../lib/client-config.ts';

/**
 * The support console, loaded only under `/console/*` (its own chunk): MSAL for staff starts in this loader, before
 * the console renders, and never on the customer wizard's pages.
 */
export async function loader() {
  const config = await getClientConfig();
  const auth = await getStaffAuth(config);
  return { config, auth };
}

/** Sign-in and sign-out leave the page (redirects), so nothing this loader read changes while the console is open. */
export function shouldRevalidate(): boolean {
  return false;
}

export function Component() {
  const { config, auth } = useLoaderData<Awaited<ReturnType<typeof loader>>>();
  return <ConsoleApp auth={auth} config={config} />;
}

export function ErrorBoundary() {
  return <ConsoleFailedPage error={useRouteError()} />;
}
