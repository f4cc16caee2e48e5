import { useLoaderData, type LoaderFunctionArgs } from 'react-router';
import { PlanPage } from '../../../features/wizard/components/plan-page.tsx';
import { getEngine } from '../../../features/wizard/lib/engine-session.ts';
import { loadReadyWizard } from '../../../features/wizard/lib/load-wizard.ts';
import { planChoicesFrom } from '../../../features/wizard/lib/plan-choices.ts';

export async function loader({ request, params }: LoaderFunctionArgs) {
  const ctx = await loadReadyWizard(request, params.setupId);
  const choices = ctx ? planChoicesFrom(ctx.setup, ctx.choices) : undefined;
  if (!ctx || !choices) return { review: undefined };
  const review = getEngine(ctx.config, ctx.setup).then((engine) => engine.plan(choices, request.signal));
  return { review };
}

export function Component() {
  const { review } = useLoaderData<typeof loader>();
  return <PlanPage review={review} />;
}
