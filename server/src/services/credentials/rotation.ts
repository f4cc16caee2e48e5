import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Db, Store } from '../../db/database.ts';
import type { Clock } from '../../lib/clock.ts';
import { HttpError } from '../../lib/http-error.ts';
import type { Actor, Audit } from '../audit.ts';
import type { CredentialStore } from '../credentials.ts';
import type { Job, JobOutcome, JobRunner } from '../jobs.ts';
import { MicrosoftError, type MicrosoftClient } from '../microsoft.ts';
import type { Setups } from '../setups/service.ts';
import type { RenewalEnds } from './renewal-handoff.ts';
import type { RotationConfig } from './rotation-config.ts';
import type { RollKeys } from './rotation-graph.ts';
import {
  createRotationRows,
  toRecord,
  type RotationReason,
  type RotationRecord,
  type RotationRow,
} from './rotation-rows.ts';
import { createRotationSteps, ROTATION } from './rotation-steps.ts';

/**
 * Certificate self-rotation with no admin (decision 012): a configurable time before a certificate expires, the
 * server makes the next key pair, adds it to the application with Graph `addKey` (an app-only token of the
 * application and a proof signed by its current key), verifies it against Dataverse, switches token vending to it
 * in one transaction, and only then removes the old key with `removeKey`. Each step is recorded before the next
 * (`rotation-steps.ts`), so a failure anywhere leaves the old key working and the retry resumes where it stopped.
 */
export type RotationDeps = {
  store: Store;
  clock: Clock;
  config: RotationConfig;
  graphBaseUrl: string;
  credentials: CredentialStore;
  microsoft: MicrosoftClient;
  rollKeys: RollKeys;
  setups: Setups;
  jobs: JobRunner;
  audit: Audit;
  /** Token vending drops what it cached for the setup once the switch committed. */
  switched: (setupId: string, reason: string) => void;
  /**
   * Queues the setup's health check to run at once (in the switch's transaction): a renewal link fixes a removed or
   * expired credential, and only the check says the connection recovered, now rather than within the hour.
   */
  queueCheck?: (trx: Db, setupId: string) => Promise<void>;
};

export function createRotation(deps: RotationDeps) {
  const db = deps.store.db;
  const rows = createRotationRows(db);
  const now = () => deps.clock.now();
  const { steps, record } = createRotationSteps(deps, rows);

  const describe = (err: unknown) =>
    err instanceof MicrosoftError || err instanceof HttpError
      ? `${err instanceof MicrosoftError ? err.code : err.code}: ${err.message}`
      : 'internal error';

  /** The rotation job: runs the steps from where the rotation stands; a failure keeps the old key and retries. */
  async function run(job: Job): Promise<JobOutcome> {
    const found = await rows.get(job.ref_id ?? '');
    if (!found || found.status === 'completed') return { outcome: 'done' };
    let row: RotationRow = found;
    const setup = await deps.setups.getRow(row.setup_id);
    if (setup.state !== 'verified') return { outcome: 'failed', error: `the setup is ${setup.state}` };
    try {
      while (row.status !== 'completed') {
        const status = row.status as keyof typeof steps;
        if (!(status in steps)) throw new Error(`unknown rotation status ${row.status}`);
        row = await steps[status](row);
      }
      if (setup.attention === 'rotation_failing') await deps.setups.moments.rotationRecovered(row.setup_id);
      return { outcome: 'done' };
    } catch (err) {
      const error = `${row.status}: ${describe(err)}`;
      const failures = await rows.failed(row, error, now());
      await record(row, 'failed', { step: row.status, error, failures });
      if (failures >= deps.config.attentionAfter)
        await deps.setups.moments.rotationFailing(
          row.setup_id,
          `Certificate rotation failed ${failures} times; the current certificate still works. Last error at step ${error}`,
        );
      const delay = Math.min(deps.config.retryMaxMs, deps.config.retryBaseMs * 2 ** (failures - 1));
      return { outcome: 'retry', at: new Date(now().getTime() + delay), error };
    }
  }

  async function begin(
    c: { id: string; setup_id: string; thumbprint: string | null; secret_key_id: string | null },
    reason: RotationReason,
    actor: Actor,
  ): Promise<{ row: RotationRow; created: boolean }> {
    return db.transaction().execute(async (trx) => {
      const started = await rows.start(trx, c, reason, `${actor.kind}:${actor.id}`, now());
      if (started.created) {
        await deps.jobs.enqueue(trx, { kind: 'rotation', setupId: c.setup_id, refId: started.row.id });
        await deps.audit.record(
          actor,
          {
            action: 'credential.rotation_started',
            setupId: c.setup_id,
            target: started.row.id,
            details: { reason, credentialId: c.id, thumbprint: c.thumbprint },
          },
          trx,
        );
      }
      return started;
    });
  }

  /**
   * A renewal link's hand-off (decision 013), in the hand-off's transaction: the admin's browser already added the
   * new certificate `to` to the application, so the rotation starts at `added` — verified, switched to, and only
   * then is the old credential removed (a certificate by the server, a secret by the admin's browser).
   */
  async function beginRenewal(
    trx: Db,
    from: RenewalEnds['from'],
    to: RenewalEnds['to'],
    keyId: string,
    actor: Actor,
  ): Promise<RotationRow> {
    const started = await rows.start(trx, from, 'renewal', `${actor.kind}:${actor.id}`, now());
    if (!started.created) return started.row;
    const row = await rows.advance(
      trx,
      started.row,
      'added',
      {
        to_credential_id: to.id,
        to_thumbprint: to.thumbprint,
        to_expires_at: to.secret_expires_at,
        to_key_id: keyId,
      },
      now(),
    );
    await deps.jobs.enqueue(trx, { kind: 'rotation', setupId: from.setup_id, refId: row.id });
    await deps.audit.record(
      actor,
      {
        action: 'credential.rotation_started',
        setupId: from.setup_id,
        target: row.id,
        details: { reason: 'renewal', credentialId: from.id, thumbprint: to.thumbprint },
      },
      trx,
    );
    return row;
  }

  return {
    run,
    beginRenewal,

    /** Starts a rotation for every certificate due within the configured time before its expiry. */
    async sweep(): Promise<number> {
      let started = 0;
      for (;;) {
        const due = await rows.due(new Date(now().getTime() + deps.config.rotateBeforeMs), 200);
        for (const c of due) {
          if ((await begin(c, 'scheduled', ROTATION)).created) started += 1;
          // SQLite's driver is synchronous: without a turn of the event loop between them, the transactions of a
          // thousand certificates falling due at once are one blocking run, and every request waits behind it.
          await nextTurn();
        }
        if (due.length < 200) break;
      }
      if (started > 0) deps.jobs.kick();
      return started;
    },

    /**
     * Support's "rotate now" (a key thought compromised): the same protocol, started at once. A rotation already
     * under way for the current key is made due now instead of starting a second one.
     */
    async rotateNow(setupId: string, actor: Actor): Promise<RotationRecord> {
      const setup = await deps.setups.getRow(setupId);
      if (setup.state !== 'verified')
        throw new HttpError(409, 'conflict', `This connection is ${setup.state}, not verified.`);
      const active = await deps.credentials.active(setupId);
      if (active?.kind !== 'certificate')
        throw new HttpError(409, 'conflict', 'Only a certificate credential can be rotated by the server.');
      const { row, created } = await begin(active, 'rotate_now', actor);
      if (!created)
        await db
          .updateTable('jobs')
          .set({ run_at: now().toISOString() })
          .where('kind', '=', 'rotation')
          .where('ref_id', '=', row.id)
          .where('status', '=', 'queued')
          .execute();
      deps.jobs.kick();
      return toRecord(row);
    },

    history: (setupId: string) => rows.history(setupId),
    rotatedAway: (credentialId: string) => rows.rotatedAway(credentialId),
  };
}
export type Rotation = ReturnType<typeof createRotation>;
