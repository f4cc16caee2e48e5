import type { StepId, StepStatus, StepSummary } from '@kantiv/shared/steps';
import type { Db } from '../../db/database.ts';
import { nowIso } from './repository.ts';

export type StepPatch = {
  message?: string;
  error?: StepSummary['error'] | null;
  attempt?: number;
  seq?: number;
  /**
   * A new run of the step (a re-verify): its start, end and attempts count from now, so durations and attempt
   * numbers describe this run and not the first one.
   */
  restart?: boolean;
};

/**
 * Records a step's status inside the caller's transaction, merged with what is stored: a wizard event older than
 * the last one seen (`seq`) changes nothing, attempts never go down, and `error: null` clears a stored error.
 */
export async function setStep(
  trx: Db,
  setupId: string,
  step: StepId,
  status: StepStatus,
  patch: StepPatch = {},
): Promise<void> {
  const stored = await trx
    .selectFrom('setup_steps')
    .selectAll()
    .where('setup_id', '=', setupId)
    .where('step', '=', step)
    .executeTakeFirst();
  if (stored && patch.seq !== undefined && patch.seq <= stored.last_seq) return;
  const prev = patch.restart ? undefined : stored;
  const at = nowIso();
  const attempts =
    patch.attempt !== undefined
      ? Math.max(patch.attempt, prev?.attempts ?? 0)
      : status === 'running' && prev?.status !== 'running'
        ? (prev?.attempts ?? 0) + 1
        : Math.max(prev?.attempts ?? 0, status === 'pending' ? 0 : 1);
  const finished = status === 'succeeded' || status === 'failed' || status === 'skipped';
  const values = {
    status,
    message: patch.message ?? prev?.message ?? null,
    attempts,
    started_at: prev?.started_at ?? (status === 'pending' ? null : at),
    finished_at: finished ? at : null,
    error:
      patch.error === null || status === 'succeeded'
        ? null
        : patch.error
          ? JSON.stringify(patch.error)
          : (prev?.error ?? null),
    last_seq: Math.max(patch.seq ?? -1, stored?.last_seq ?? -1),
    updated_at: at,
  };
  await trx
    .insertInto('setup_steps')
    .values({ setup_id: setupId, step, ...values })
    .onConflict((oc) => oc.columns(['setup_id', 'step']).doUpdateSet(values))
    .execute();
}
