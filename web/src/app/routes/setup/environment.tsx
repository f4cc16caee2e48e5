import { useLoaderData, type LoaderFunctionArgs } from 'react-router';
import { EnvironmentPage } from '../../../features/wizard/components/environment-page.tsx';
import { getEngine } from '../../../features/wizard/lib/engine-session.ts';
import { loadReadyWizard } from '../../../features/wizard/lib/load-wizard.ts';

export async function loader({ request, params }: LoaderFunctionArgs) {
  const ctx = await loadReadyWizard(request, params.setupId);
  if (!ctx) return { discovery: undefined };
  // Not awaited: the page shows at once and the checks stream in.
  const discovery = getEngine(ctx.config, ctx.setup).then((engine) => engine.discover(request.signal));
  return { discovery };
}

export function Component() {
  const { discovery } = useLoaderData<typeof loader>();
  return <EnvironmentPage discovery={discovery} />;
}
