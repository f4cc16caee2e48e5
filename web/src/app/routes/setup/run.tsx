import type { LoaderFunctionArgs } from 'react-router';
import { RunPage } from '../../../features/wizard/components/run-page.tsx';
import { loadReadyWizard } from '../../../features/wizard/lib/load-wizard.ts';
import { startRun } from '../../../features/wizard/lib/start-run.ts';
import { getRunSession, runHistory } from '../../../features/wizard/stores/run-store.ts';

export async function loader({ request, params }: LoaderFunctionArgs) {
  const ctx = await loadReadyWizard(request, params.setupId);
  if (!ctx) return { ready: false };
  const session = getRunSession(ctx.setup.id, runHistory(ctx.setup));
  // Arriving here (Connect, a reload, a return later) starts or resumes the run; the engine never redoes finished work.
  const { status } = session.getSnapshot();
  // "Run it again" after a failed verification runs a session that succeeded before in this tab.
  if (status === 'idle' || (ctx.choices.rerun && status === 'succeeded')) startRun(session, ctx);
  return { ready: true };
}

export function Component() {
  return <RunPage />;
}
