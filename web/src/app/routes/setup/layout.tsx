import { useEffect } from 'react';
import { Outlet, useLoaderData, useLocation, type LoaderFunctionArgs } from 'react-router';
import { InviteUnavailable } from '../../../features/wizard/components/invite-unavailable.tsx';
import { WizardShell } from '../../../features/wizard/components/wizard-shell.tsx';
import { loadWizard, type WizardContext } from '../../../features/wizard/lib/load-wizard.ts';

export function loader({ request, params }: LoaderFunctionArgs): Promise<WizardContext | Response> {
  return loadWizard(request, params.setupId);
}

/** Every navigation re-reads the setup from the server, so the guard always works on the truth. */
export function shouldRevalidate(): boolean {
  return true;
}

export function Component() {
  const ctx = useLoaderData<WizardContext>();
  const { pathname } = useLocation();
  useEffect(() => {
    // Moving to a new step moves keyboard and screen-reader focus to its heading.
    document.querySelector<HTMLElement>('#main h1')?.focus();
  }, [pathname]);
  if (ctx.kind === 'unavailable')
    return <InviteUnavailable reason={ctx.reason} support={ctx.config.support} />;
  return (
    <WizardShell
      setupId={ctx.setup.id}
      customerName={ctx.setup.customerName}
      step={ctx.step}
      firstIncomplete={ctx.firstIncomplete}
      support={ctx.config.support}
    >
      <Outlet />
    </WizardShell>
  );
}

export { WizardErrorBoundary as ErrorBoundary } from '../../../features/wizard/components/wizard-error.tsx';
