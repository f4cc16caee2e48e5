import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { CERTIFICATE_DISPLAY_NAME } from '@kantiv/shared/naming';
import type { Db, Store } from '../../db/database.ts';
import { DAY_MS, type Clock } from '../../lib/clock.ts';
import { HttpError } from '../../lib/http-error.ts';
import type { Actor, Audit } from '../audit.ts';
import { pendingCertificateKey, type CredentialStore, type StoredCredential } from '../credentials.ts';
import type { Job, JobOutcome, JobRunner } from '../jobs.ts';
import { appCredential, MicrosoftError, type MicrosoftClient } from '../microsoft.ts';
import type { Setups } from '../setups/service.ts';
import type { RenewalEnds } from './renewal-handoff.ts';
import type { RotationConfig } from './rotation-config.ts';
import { rollKeyProof, type KeyMaterial, type RollKeys } from './rotation-graph.ts';
import {
  createRotationRows,
  toRecord,
  type RotationReason,
  type RotationRecord,
  type RotationRow,
} from './rotation-rows.ts';

const ROTATION: Actor = { kind: 'system', id: 'rotation' };

/**
 * What the switch of a renewal sets besides the expiry: a certificate now, no notice sent yet, and the link spent
 * (its token still reads the setup, so the admin's browser sees the switch and removes the old secret).
 */
const renewedColumns = (purpose?: string | null) => ({
  credential_kind: 'certificate',
  // A repair link outlives the switch: its run then reports what else it made again (repair.ts), which spends it.
  ...(purpose === 'repair' ? {} : { link_purpose: null, link_expires_at: null }),
  expiry_notified_at: null,
  expiry_notice_days: null,
});
/** A key added a moment ago is unknown to Entra until it replicates (AADSTS700027): waited out inside the step. */
const REPLICATION_WAITS_MS = [250, 500, 1_000, 2_000, 4_000, 8_000, 8_000];

type Opened = { credential: StoredCredential; key: KeyMaterial };

/**
 * Certificate self-rotation with no admin (decision 012): a configurable time before a certificate expires, the
 * server makes the next key pair, adds it to the application with Graph `addKey` (an app-only token of the
 * application and a proof signed by its current key), verifies it against Dataverse, switches token vending to it
 * in one transaction, and only then removes the old key with `removeKey`. Each step is recorded before the next,
 * so a failure anywhere leaves the old key working and the retry resumes where it stopped.
 */
export function createRotation(deps: {
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
}) {
  const db = deps.store.db;
  const rows = createRotationRows(db);
  const now = () => deps.clock.now();

  async function record(row: RotationRow, action: string, details: Record<string, unknown> = {}) {
    await deps.audit.record(ROTATION, {
      action: `credential.rotation_${action}`,
      setupId: row.setup_id,
      target: row.id,
      details: { reason: row.reason, ...details },
    });
  }

  async function open(credentialId: string, purpose: string): Promise<Opened> {
    const { credential, secret } = await deps.credentials.reveal(credentialId, purpose, ROTATION);
    if (credential.kind !== 'certificate' || !credential.certificate || !credential.thumbprint)
      throw new MicrosoftError(
        'not_a_certificate',
        'Only certificate credentials rotate themselves.',
        'permanent',
      );
    return { credential, key: { certificate: credential.certificate, privateKeyPem: secret } };
  }

  async function token(o: Opened, resource: string) {
    return deps.microsoft.acquireAppToken({
      tenantId: o.credential.tenant_id,
      clientId: o.credential.client_id,
      credential: appCredential(o.credential, o.key.privateKeyPem),
      resource,
    });
  }

  /** The application's object id (a proof's `iss`), from the app-registration step the wizard reported. */
  async function objectIdOf(row: RotationRow, clientId: string): Promise<string> {
    if (row.application_object_id) return row.application_object_id;
    const events = await db
      .selectFrom('setup_events')
      .select('data')
      .where('setup_id', '=', row.setup_id)
      .where('data', 'like', '%applicationObjectId%')
      .orderBy('id', 'desc')
      .execute();
    for (const e of events) {
      const data = JSON.parse(e.data ?? '{}') as { applicationObjectId?: string; clientId?: string };
      if (data.applicationObjectId && (!data.clientId || data.clientId === clientId))
        return data.applicationObjectId;
    }
    throw new MicrosoftError(
      'object_id_unknown',
      "The application's object id is unknown (no app-registration step was recorded for this setup).",
      'permanent',
    );
  }

  const steps = {
    async pending(row: RotationRow): Promise<RotationRow> {
      const from = await open(row.from_credential_id, 'rotation');
      const old = from.credential;
      // Never longer than the certificate it replaces had: that lifetime already met the tenant's policy.
      const oldDays = old.secret_expires_at
        ? Math.round((Date.parse(old.secret_expires_at) - Date.parse(old.created_at)) / DAY_MS)
        : deps.config.lifetimeDays;
      const lifetimeDays = Math.max(1, Math.min(deps.config.lifetimeDays, oldDays));
      const made = await deps.credentials.createCertificate(
        row.setup_id,
        {
          tenantId: from.credential.tenant_id,
          clientId: from.credential.client_id,
          environmentUrl: from.credential.environment_url,
          lifetimeDays,
        },
        CERTIFICATE_DISPLAY_NAME,
        now(),
      );
      const to = await deps.credentials.findByIdempotencyKey(row.setup_id, pendingCertificateKey(made.keyId));
      const next = await rows.advance(
        db,
        row,
        'generated',
        {
          to_credential_id: to?.id ?? null,
          to_thumbprint: made.thumbprintSha256,
          to_expires_at: made.notAfter,
          application_object_id: await objectIdOf(row, from.credential.client_id),
        },
        now(),
      );
      await record(next, 'key_generated', { thumbprint: made.thumbprintSha256, expiresAt: made.notAfter });
      return next;
    },

    async generated(row: RotationRow): Promise<RotationRow> {
      const from = await open(row.from_credential_id, 'rotation');
      const to = await open(row.to_credential_id ?? '', 'rotation');
      const objectId = row.application_object_id ?? '';
      const graph = await token(from, deps.graphBaseUrl);
      const keyId = await deps.rollKeys.addKey({
        applicationObjectId: objectId,
        token: graph.accessToken,
        proof: await rollKeyProof(objectId, from.key),
        certificate: to.key.certificate,
        displayName: CERTIFICATE_DISPLAY_NAME,
      });
      const next = await rows.advance(db, row, 'added', { to_key_id: keyId }, now());
      await record(next, 'key_added', { keyId, thumbprint: row.to_thumbprint });
      return next;
    },

    async added(row: RotationRow): Promise<RotationRow> {
      const to = await open(row.to_credential_id ?? '', 'rotation');
      for (let i = 0; ; i += 1) {
        try {
          const t = await token(to, to.credential.environment_url);
          await deps.microsoft.dataverseGet(to.credential.environment_url, 'WhoAmI', t.accessToken);
          break;
        } catch (err) {
          const wait = REPLICATION_WAITS_MS[i];
          const replicating = err instanceof MicrosoftError && ['secret', 'replication'].includes(err.kind);
          if (!replicating || wait === undefined) throw err;
          await sleep(wait);
        }
      }
      const next = await rows.advance(db, row, 'verified', {}, now());
      await record(next, 'key_verified', { thumbprint: row.to_thumbprint });
      return next;
    },

    async verified(row: RotationRow): Promise<RotationRow> {
      let next = row;
      await deps.setups.change(row.setup_id, ROTATION, async (current, trx) => {
        if (current.state !== 'verified')
          throw new MicrosoftError('setup_not_verified', `The setup is ${current.state}.`, 'permanent');
        await deps.credentials.switchTo(trx, row.setup_id, row.to_credential_id ?? '', {
          idempotencyKey: `rotation:${row.id}`,
          keyId: row.to_key_id ?? '',
        });
        next = await rows.advance(trx, row, 'switched', {}, now());
        const renewed = row.reason === 'renewal';
        if (renewed && current.health && current.health !== 'healthy')
          await deps.queueCheck?.(trx, row.setup_id);
        return {
          set: {
            secret_expires_at: row.to_expires_at,
            // A renewal ends its link here and may turn a secret setup into a certificate setup.
            ...(renewed ? renewedColumns(current.link_purpose) : {}),
          },
          events: [
            {
              type: 'action',
              source: 'system',
              message: renewed
                ? 'Credential renewed: tokens are now made with the new certificate'
                : 'Certificate rotated: tokens are now made with the new certificate',
              data: { rotation: row.id, thumbprint: row.to_thumbprint, expiresAt: row.to_expires_at },
            },
          ],
          audit: renewed ? 'credential.renewed' : 'credential.rotation_switched',
          details: { rotationId: row.id, from: row.from_thumbprint, to: row.to_thumbprint },
        };
      });
      deps.switched(row.setup_id, row.reason);
      // The health check queued at the switch runs now, not at the next poll.
      if (row.reason === 'renewal') deps.jobs.kick();
      return next;
    },

    async switched(row: RotationRow): Promise<RotationRow> {
      // A client secret cannot be removed by the app itself (decision 013): the admin's browser removes it once it
      // sees the switch; until then it simply stays on the application, unused.
      if (row.from_thumbprint === null) {
        const next = await rows.advance(db, row, 'completed', { completed_at: now().toISOString() }, now());
        await record(next, 'completed', { removedKeyId: null, oldSecretRemovedBy: 'admin' });
        return next;
      }
      const to = await open(row.to_credential_id ?? '', 'rotation');
      const objectId = row.application_object_id ?? '';
      const graph = await token(to, deps.graphBaseUrl);
      await deps.rollKeys.removeKey({
        applicationObjectId: objectId,
        token: graph.accessToken,
        proof: await rollKeyProof(objectId, to.key),
        keyId: row.from_key_id ?? '',
      });
      const next = await rows.advance(db, row, 'completed', { completed_at: now().toISOString() }, now());
      await record(next, 'completed', { removedKeyId: row.from_key_id, thumbprint: row.from_thumbprint });
      return next;
    },
  };

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
