import { useEffect } from 'react';
import { Outlet, useLocation } from 'react-router';
import type { WizardContext } from '../lib/load-wizard.ts';
import { InviteUnavailable } from './invite-unavailable.tsx';
import { WizardShell } from './wizard-shell.tsx';

/** The frame of every wizard page (the step pages render in its outlet), or why the invite cannot be used. */
export function WizardLayout({ ctx }: { ctx: WizardContext }) {
  const { pathname } = useLocation();
  useEffect(() => {
    // Moving to a new step moves keyboard and screen-reader focus to its heading.
    document.querySelector<HTMLElement>('#main h1')?.focus();
  }, [pathname]);
  if (ctx.kind === 'unavailable')
    return <InviteUnavailable reason={ctx.reason} support={ctx.config.support} runStarted={ctx.runStarted} />;
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
