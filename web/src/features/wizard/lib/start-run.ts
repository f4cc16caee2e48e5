import type { RunSession } from '../stores/run-store.ts';
import { getEngine, getForwarder } from './engine-session.ts';
import type { ReadyWizardContext } from './load-wizard.ts';
import { planChoicesFrom } from './plan-choices.ts';

/** Starts (or continues) the run with the admin's choices; every step event goes on to the server. */
export function startRun(session: RunSession, ctx: ReadyWizardContext): void {
  const choices = planChoicesFrom(ctx.setup, ctx.choices);
  if (!choices) return;
  void session.start(async () => {
    // No separate plan here: apply() rediscovers and plans itself, reporting every wait as it goes.
    return { engine: await getEngine(ctx.config, ctx.setup), choices };
  }, getForwarder(ctx.setup.id));
}
