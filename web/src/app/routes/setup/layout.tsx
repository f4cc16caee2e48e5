import { useLoaderData, type LoaderFunctionArgs } from 'react-router';
import { WizardLayout } from '../../../features/wizard/components/wizard-layout.tsx';
import { loadWizard, type WizardContext } from '../../../features/wizard/lib/load-wizard.ts';

export function loader({ request, params }: LoaderFunctionArgs): Promise<WizardContext | Response> {
  return loadWizard(request, params.setupId);
}

/** Every navigation re-reads the setup from the server, so the guard always works on the truth. */
export function shouldRevalidate(): boolean {
  return true;
}

export function Component() {
  return <WizardLayout ctx={useLoaderData<WizardContext>()} />;
}

export { WizardErrorBoundary as ErrorBoundary } from '../../../features/wizard/components/wizard-error.tsx';
