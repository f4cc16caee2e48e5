import type { RepairReport } from '@kantiv/shared/setup-links';
import type { Db } from '../db/database.ts';
import { HttpError } from '../lib/http-error.ts';
import type { Clock } from '../lib/clock.ts';
import type { Actor } from './audit.ts';
import type { SetupRow } from './setups/repository.ts';
import type { Setups } from './setups/service.ts';
import { assertWizardMayWrite, linkLive } from './setups/wizard-gate.ts';

/**
 * The end of a repair link's wizard run (issue 18 item 3, decision 014): the run recreated what drifted; the wizard
 * reports the ids it converged on (an application user made again has a new id) and the setup's health check runs
 * now instead of within the hour. Only the check says the connection recovered (`setup.recovered`): the report
 * itself changes no health. The link is spent here; a renewal link is spent by its switch (rotation.ts).
 */
export function createRepair(deps: {
  setups: Setups;
  clock: Clock;
  /** Queues the setup's health check to run at once (in the caller's transaction). */
  queueCheck: (trx: Db, setupId: string) => Promise<void>;
  kick: () => void;
}) {
  return async function repaired(setup: SetupRow, report: RepairReport, actor: Actor): Promise<void> {
    await deps.setups.change(setup.id, actor, async (current, trx) => {
      const now = deps.clock.now();
      assertWizardMayWrite(current, setup, 'handoff', now);
      if (current.state !== 'verified' || !linkLive(current, now) || current.link_purpose !== 'repair')
        throw new HttpError(409, 'conflict', 'Only a live repair link reports a repair.');
      const userId = report.applicationUserId?.toLowerCase();
      if (userId && userId !== current.application_user_id?.toLowerCase()) {
        // Health compares WhoAmI with the active credential's application user first (probe.ts).
        await trx
          .updateTable('credentials')
          .set({ application_user_id: userId })
          .where('setup_id', '=', setup.id)
          .where('active', '=', 1)
          .execute();
      }
      await deps.queueCheck(trx, setup.id);
      return {
        set: {
          ...(userId ? { application_user_id: userId } : {}),
          // The admin ran the repair in the environment at this URL as it is now: a copied-over environment's new
          // OrganizationId becomes the baseline at the next healthy check (drift.ts › replacedEnvironment).
          health_organization_id: null,
          link_purpose: null,
          link_expires_at: null,
        },
        events: [
          {
            type: 'action',
            source: 'wizard',
            message: 'Repair run finished: Kantiv checks the connection now',
            ...(userId ? { data: { applicationUserId: userId } } : {}),
          },
        ],
        audit: 'setup.repaired',
        details: { ...(userId ? { applicationUserId: userId } : {}), from: current.application_user_id },
      };
    });
    deps.kick();
  };
}
export type Repair = ReturnType<typeof createRepair>;
