import { redirect, useLoaderData } from 'react-router';
import { paths } from '../../config/paths.ts';
import { InviteUnavailable } from '../../features/wizard/components/invite-unavailable.tsx';
import { loadWizard, type WizardContext } from '../../features/wizard/lib/load-wizard.ts';

/**
 * `/invite#token=…` (the token was already moved to session storage by main.tsx): find the setup the token belongs
 * to and go to its first incomplete step.
 */
export async function loader({ request }: { request: Request }): Promise<WizardContext | Response> {
  const ctx = await loadWizard(request, undefined);
  if (ctx instanceof Response) return ctx;
  if (ctx.kind === 'ready') return redirect(paths.setup.root(ctx.setup.id));
  return ctx;
}

export function Component() {
  const ctx = useLoaderData<WizardContext>();
  if (ctx.kind !== 'unavailable') return null;
  return <InviteUnavailable reason={ctx.reason} support={ctx.config.support} runStarted={ctx.runStarted} />;
}
