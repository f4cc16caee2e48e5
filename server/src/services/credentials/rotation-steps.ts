import { setTimeout as sleep } from 'node:timers/promises';
import { CERTIFICATE_DISPLAY_NAME } from '@kantiv/shared/naming';
import { DAY_MS } from '../../lib/clock.ts';
import type { Actor } from '../audit.ts';
import { pendingCertificateKey, type StoredCredential } from '../credentials.ts';
import { appCredential, MicrosoftError } from '../microsoft.ts';
import type { RotationDeps } from './rotation.ts';
import { rollKeyProof, type KeyMaterial } from './rotation-graph.ts';
import type { RotationRow, RotationRows } from './rotation-rows.ts';

export const ROTATION: Actor = { kind: 'system', id: 'rotation' };

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
 * The rotation's steps (decision 012), one per status it can stand at: each does its part with Microsoft, records it
 * and returns the row advanced to the next status, so a retry resumes where the last attempt stopped.
 */
export function createRotationSteps(deps: RotationDeps, rows: RotationRows) {
  const db = deps.store.db;
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

  return { steps, record };
}
