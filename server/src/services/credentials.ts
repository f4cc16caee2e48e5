import { createHash, randomUUID } from 'node:crypto';
import type {
  CertificateRequest,
  CertificateResponse,
  CredentialHandoffRequest,
} from '@kantiv/shared/credentials';
import type { Keyring } from '../config.ts';
import type { Db, Store } from '../db/database.ts';
import type { CredentialsTable } from '../db/schema.ts';
import { credentialAad, credentialAadV2, VaultError } from '../vault/vault.ts';
import { tracedVault } from './telemetry/traced-vault.ts';
import type { Actor, Audit } from './audit.ts';
import { generateCertificate } from './certificates.ts';
import { rewrapSealedColumns, sealedColumns, sealedOf } from './sealed-columns.ts';
import { SHREDDED_KID } from './credentials/shred.ts';
import type { Metrics } from './telemetry/metrics.ts';

// Every seal and open is a span when tracing is on.
const { open, reseal, seal } = tracedVault('credential');

export type StoredCredential = Omit<
  CredentialsTable,
  'kid' | 'wrapped_key' | 'iv' | 'tag' | 'ciphertext' | 'aad_version'
>;

/** A certificate the server made for a setup and the browser has not confirmed yet carries this idempotency key. */
const PENDING_CERTIFICATE = 'certificate-pending:';
/** The idempotency key of a certificate made for a setup and not yet confirmed or switched to. */
export const pendingCertificateKey = (keyId: string) => `${PENDING_CERTIFICATE}${keyId}`;

/** Non-secret fields of a hand-off: a retry with the same idempotency key must carry the same ones. */
export function handoffFingerprint(req: CredentialHandoffRequest): string {
  const { clientSecret: _secret, idempotencyKey: _key, ...rest } = req;
  const canonical = JSON.stringify(
    Object.fromEntries(Object.entries(rest).sort(([a], [b]) => a.localeCompare(b))),
  );
  return createHash('sha256').update(canonical).digest('hex');
}

const strip = (r: CredentialsTable): StoredCredential => {
  const { kid: _k, wrapped_key: _w, iv: _i, tag: _t, ciphertext: _c, aad_version: _v, ...rest } = r;
  return rest;
};

type AadFields = Pick<
  CredentialsTable,
  'id' | 'setup_id' | 'tenant_id' | 'client_id' | 'active' | 'environment_url' | 'aad_version'
>;

/** The AAD a row's ciphertext is bound to, by the version it was sealed under (v1 rows predate migration 002). */
export function credentialAadOf(r: AadFields, override: { active?: number } = {}): string {
  if (r.aad_version === 1) return credentialAad(r.setup_id, r.tenant_id, r.client_id);
  return credentialAadV2({
    id: r.id,
    setupId: r.setup_id,
    tenantId: r.tenant_id,
    clientId: r.client_id,
    active: (override.active ?? r.active) === 1,
    environmentUrl: r.environment_url,
  });
}

/**
 * The credential repository: the only code that calls the vault for credentials. Secrets are sealed before the
 * insert and opened only for a stated purpose, and every open is audited (success or integrity failure).
 */
export function createCredentialStore(deps: {
  store: Store;
  keyring: () => Keyring;
  audit: Audit;
  metrics?: Pick<Metrics, 'vaultOp'>;
}) {
  const db = deps.store.db;

  /**
   * Switches off the setup's active credential(s). Under AAD v2 the flag is bound, so each is resealed with
   * `active = 0` in the same write; one that no longer opens (tampered) is switched off as it is and stays unreadable.
   */
  async function deactivate(trx: Db, setupId: string): Promise<void> {
    const rows = await trx
      .selectFrom('credentials')
      .selectAll()
      .where('setup_id', '=', setupId)
      .where('active', '=', 1)
      .execute();
    for (const r of rows) {
      let resealed = {};
      if (r.aad_version !== 1) {
        try {
          const next = reseal(
            deps.keyring(),
            sealedOf(r),
            credentialAadOf(r),
            credentialAadOf(r, { active: 0 }),
          );
          resealed = sealedColumns(next);
        } catch (err) {
          if (!(err instanceof VaultError)) throw err;
        }
      }
      await trx
        .updateTable('credentials')
        .set({ active: 0, ...resealed })
        .where('id', '=', r.id)
        .execute();
    }
  }

  /** v1 → v2, compare-and-set on the version and kid so a concurrent run or write is not overwritten. */
  async function upgradeAad(actor: Actor): Promise<{ upgraded: number; failed: number }> {
    const rows = await db
      .selectFrom('credentials')
      .selectAll()
      .where('aad_version', '=', 1)
      .where('kid', '<>', SHREDDED_KID)
      .execute();
    let upgraded = 0;
    let failed = 0;
    for (const r of rows) {
      try {
        const next = reseal(
          deps.keyring(),
          sealedOf(r),
          credentialAadOf(r),
          credentialAadOf({ ...r, aad_version: 2 }),
        );
        const res = await db
          .updateTable('credentials')
          .set({ ...sealedColumns(next), aad_version: 2 })
          .where('id', '=', r.id)
          .where('aad_version', '=', 1)
          .where('kid', '=', r.kid)
          .where('active', '=', r.active)
          .executeTakeFirst();
        if (Number(res.numUpdatedRows) === 1) upgraded += 1;
      } catch {
        failed += 1;
      }
    }
    if (rows.length > 0) {
      await deps.audit.record(actor, { action: 'vault.aad_upgraded', details: { upgraded, failed, to: 2 } });
    }
    return { upgraded, failed };
  }

  return {
    async findByIdempotencyKey(setupId: string, key: string): Promise<StoredCredential | undefined> {
      const r = await db
        .selectFrom('credentials')
        .selectAll()
        .where('setup_id', '=', setupId)
        .where('idempotency_key', '=', key)
        .executeTakeFirst();
      return r ? strip(r) : undefined;
    },

    async active(setupId: string): Promise<StoredCredential | undefined> {
      const r = await db
        .selectFrom('credentials')
        .selectAll()
        .where('setup_id', '=', setupId)
        .where('active', '=', 1)
        .executeTakeFirst();
      return r ? strip(r) : undefined;
    },

    /**
     * Makes a key pair and self-signed certificate for the setup's application and seals the private key at once,
     * bound (AAD v2) to this row, setup, tenant, client and environment, inactive until the browser confirms it
     * uploaded the certificate. Answers with public material only.
     */
    async createCertificate(
      setupId: string,
      req: CertificateRequest,
      commonName: string,
      now: Date,
    ): Promise<CertificateResponse> {
      const id = randomUUID();
      const keyId = randomUUID();
      const environmentUrl = req.environmentUrl.replace(/\/+$/, '');
      const made = await generateCertificate({ commonName, lifetimeDays: req.lifetimeDays, now });
      const binding = { id, setupId, tenantId: req.tenantId, clientId: req.clientId, environmentUrl };
      const sealed = seal(deps.keyring(), made.privateKeyPem, credentialAadV2({ ...binding, active: false }));
      await db
        .insertInto('credentials')
        .values({
          id,
          setup_id: setupId,
          idempotency_key: `${PENDING_CERTIFICATE}${keyId}`,
          fingerprint: '',
          tenant_id: req.tenantId,
          client_id: req.clientId,
          source: 'automatic',
          environment_url: environmentUrl,
          application_user_id: null,
          role_name: null,
          secret_key_id: keyId,
          secret_expires_at: made.notAfter.toISOString(),
          ...sealedColumns(sealed),
          active: 0,
          created_at: now.toISOString(),
          aad_version: 2,
          kind: 'certificate',
          thumbprint: made.thumbprintSha256,
          certificate: made.certificate,
        })
        .execute();
      return {
        keyId,
        certificate: made.certificate,
        thumbprintSha256: made.thumbprintSha256,
        notBefore: made.notBefore.toISOString(),
        notAfter: made.notAfter.toISOString(),
      };
    },

    /**
     * Makes the setup's certificate named by `req.keyId` its one active credential (a certificate hand-off). The
     * hand-off must name the same tenant, client and environment the key was made (and sealed) for. Undefined when
     * no such unconfirmed certificate exists.
     */
    async activateCertificate(
      trx: Db,
      setupId: string,
      req: CredentialHandoffRequest,
    ): Promise<StoredCredential | undefined> {
      const r = await trx
        .selectFrom('credentials')
        .selectAll()
        .where('setup_id', '=', setupId)
        .where('kind', '=', 'certificate')
        .where('idempotency_key', '=', `${PENDING_CERTIFICATE}${req.keyId ?? ''}`)
        .executeTakeFirst();
      const environmentUrl = req.environmentUrl.replace(/\/+$/, '');
      if (
        !r ||
        r.tenant_id !== req.tenantId ||
        r.client_id !== req.clientId ||
        r.environment_url.toLowerCase() !== environmentUrl.toLowerCase()
      )
        return undefined;
      const next = reseal(deps.keyring(), sealedOf(r), credentialAadOf(r), credentialAadOf(r, { active: 1 }));
      await deactivate(trx, setupId);
      const set = {
        ...sealedColumns(next),
        active: 1,
        idempotency_key: req.idempotencyKey,
        fingerprint: handoffFingerprint(req),
        source: req.source,
        application_user_id: req.applicationUserId ?? null,
        role_name: req.roleName ?? null,
      };
      await trx.updateTable('credentials').set(set).where('id', '=', r.id).execute();
      return strip({ ...r, ...set });
    },

    /**
     * A rotation's switch, in the caller's transaction: the setup's certificate `toId` (made for the same tenant,
     * client and environment) becomes its one active credential, keeping the old one's application user and role;
     * the old one is switched off. `keyId` is Graph's id of the new key on the application.
     */
    async switchTo(
      trx: Db,
      setupId: string,
      toId: string,
      next: { idempotencyKey: string; keyId: string },
    ): Promise<StoredCredential> {
      const r = await trx
        .selectFrom('credentials')
        .selectAll()
        .where('id', '=', toId)
        .where('setup_id', '=', setupId)
        .executeTakeFirstOrThrow();
      const old = await trx
        .selectFrom('credentials')
        .selectAll()
        .where('setup_id', '=', setupId)
        .where('active', '=', 1)
        .executeTakeFirst();
      const resealed = reseal(
        deps.keyring(),
        sealedOf(r),
        credentialAadOf(r),
        credentialAadOf(r, { active: 1 }),
      );
      await deactivate(trx, setupId);
      const set = {
        ...sealedColumns(resealed),
        active: 1,
        idempotency_key: next.idempotencyKey,
        secret_key_id: next.keyId,
        source: old?.source ?? r.source,
        application_user_id: old?.application_user_id ?? null,
        role_name: old?.role_name ?? null,
      };
      await trx.updateTable('credentials').set(set).where('id', '=', r.id).execute();
      return strip({ ...r, ...set });
    },

    /** Seals and stores the secret as the setup's one active credential (older ones are deactivated). */
    async insert(trx: Db, setupId: string, req: CredentialHandoffRequest): Promise<StoredCredential> {
      const id = randomUUID();
      const environmentUrl = req.environmentUrl.replace(/\/+$/, '');
      const sealed = seal(
        deps.keyring(),
        req.clientSecret ?? '',
        credentialAadV2({
          id,
          setupId,
          tenantId: req.tenantId,
          clientId: req.clientId,
          active: true,
          environmentUrl,
        }),
      );
      deps.metrics?.vaultOp('seal', 'credential', true);
      const row: CredentialsTable = {
        id,
        setup_id: setupId,
        idempotency_key: req.idempotencyKey,
        fingerprint: handoffFingerprint(req),
        tenant_id: req.tenantId,
        client_id: req.clientId,
        source: req.source,
        environment_url: environmentUrl,
        application_user_id: req.applicationUserId ?? null,
        role_name: req.roleName ?? null,
        secret_key_id: req.secretKeyId ?? null,
        secret_expires_at: req.secretExpiresAt ?? null,
        ...sealedColumns(sealed),
        active: 1,
        created_at: new Date().toISOString(),
        aad_version: 2,
        kind: 'client_secret',
        thumbprint: null,
        certificate: null,
      };
      await deactivate(trx, setupId);
      await trx.insertInto('credentials').values(row).execute();
      return strip(row);
    },

    /** Opens the secret for `purpose`; throws VaultError (audited) when the row was tampered with. */
    async reveal(
      credentialId: string,
      purpose: string,
      actor: Actor,
    ): Promise<{ credential: StoredCredential; secret: string }> {
      const r = await db
        .selectFrom('credentials')
        .selectAll()
        .where('id', '=', credentialId)
        .executeTakeFirstOrThrow();
      try {
        const secret = open(deps.keyring(), sealedOf(r), credentialAadOf(r));
        deps.metrics?.vaultOp('open', 'credential', true);
        await deps.audit.record(actor, {
          action: 'credential.decrypted',
          setupId: r.setup_id,
          target: r.id,
          details: { purpose, kid: r.kid },
        });
        return { credential: strip(r), secret };
      } catch (err) {
        deps.metrics?.vaultOp('open', 'credential', false);
        await deps.audit.record(actor, {
          action: 'credential.decrypt_failed',
          setupId: r.setup_id,
          target: r.id,
          details: { purpose, kid: r.kid, reason: err instanceof VaultError ? err.message : 'error' },
        });
        throw err instanceof VaultError ? err : new VaultError('could not open the credential');
      }
    },

    /**
     * Reseals every AAD v1 credential under v2, then moves every data key to the active KEK (see
     * rewrapSealedColumns). A row that cannot be opened keeps its old seal and counts as failed.
     */
    async rewrapAll(actor: Actor): Promise<{ rewrapped: number; upgraded: number; failed: number }> {
      const upgrade = await upgradeAad(actor);
      const moved = await rewrapSealedColumns(
        { db, keyring: deps.keyring(), audit: deps.audit },
        'credentials',
        (r) => credentialAadOf(r),
        actor,
      );
      return { ...moved, upgraded: upgrade.upgraded, failed: moved.failed + upgrade.failed };
    },
  };
}
export type CredentialStore = ReturnType<typeof createCredentialStore>;
