import { useRouteLoaderData } from 'react-router';
import type { WizardContext } from '../lib/load-wizard.ts';

export const WIZARD_ROUTE_ID = 'wizard';

/** The wizard's context from the layout loader, for step pages (the layout renders them only when ready). */
export function useWizard(): Extract<WizardContext, { kind: 'ready' }> {
  const ctx = useRouteLoaderData<WizardContext>(WIZARD_ROUTE_ID);
  if (!ctx || ctx.kind !== 'ready') throw new Error('Wizard step rendered outside a ready wizard.');
  return ctx;
}
