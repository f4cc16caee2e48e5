import { createHash, randomUUID } from 'node:crypto';
import type { CredentialHandoffRequest } from '@kantiv/shared/credentials';
import type { Keyring } from '../config.ts';
import type { Db, Store } from '../db/database.ts';
import type { CredentialsTable } from '../db/schema.ts';
import { credentialAad, open, seal, VaultError } from '../vault/vault.ts';
import type { Actor, Audit } from './audit.ts';
import { rewrapSealedColumns, sealedColumns, sealedOf } from './sealed-columns.ts';

export type StoredCredential = Omit<CredentialsTable, 'kid' | 'wrapped_key' | 'iv' | 'tag' | 'ciphertext'>;

/** Non-secret fields of a hand-off: a retry with the same idempotency key must carry the same ones. */
export function handoffFingerprint(req: CredentialHandoffRequest): string {
  const { clientSecret: _secret, idempotencyKey: _key, ...rest } = req;
  const canonical = JSON.stringify(
    Object.fromEntries(Object.entries(rest).sort(([a], [b]) => a.localeCompare(b))),
  );
  return createHash('sha256').update(canonical).digest('hex');
}

const strip = (r: CredentialsTable): StoredCredential => {
  const { kid: _k, wrapped_key: _w, iv: _i, tag: _t, ciphertext: _c, ...rest } = r;
  return rest;
};

/**
 * The credential repository: the only code that calls the vault for credentials. Secrets are sealed before the
 * insert and opened only for a stated purpose, and every open is audited (success or integrity failure).
 */
export function createCredentialStore(deps: { store: Store; keyring: () => Keyring; audit: Audit }) {
  const db = deps.store.db;

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

    /** Seals and stores the secret as the setup's one active credential (older ones are deactivated). */
    async insert(trx: Db, setupId: string, req: CredentialHandoffRequest): Promise<StoredCredential> {
      const sealed = seal(
        deps.keyring(),
        req.clientSecret,
        credentialAad(setupId, req.tenantId, req.clientId),
      );
      const row: CredentialsTable = {
        id: randomUUID(),
        setup_id: setupId,
        idempotency_key: req.idempotencyKey,
        fingerprint: handoffFingerprint(req),
        tenant_id: req.tenantId,
        client_id: req.clientId,
        source: req.source,
        environment_url: req.environmentUrl.replace(/\/+$/, ''),
        application_user_id: req.applicationUserId ?? null,
        role_name: req.roleName ?? null,
        secret_key_id: req.secretKeyId ?? null,
        secret_expires_at: req.secretExpiresAt ?? null,
        ...sealedColumns(sealed),
        active: 1,
        created_at: new Date().toISOString(),
      };
      await trx.updateTable('credentials').set({ active: 0 }).where('setup_id', '=', setupId).execute();
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
        const secret = open(deps.keyring(), sealedOf(r), credentialAad(r.setup_id, r.tenant_id, r.client_id));
        await deps.audit.record(actor, {
          action: 'credential.decrypted',
          setupId: r.setup_id,
          target: r.id,
          details: { purpose, kid: r.kid },
        });
        return { credential: strip(r), secret };
      } catch (err) {
        await deps.audit.record(actor, {
          action: 'credential.decrypt_failed',
          setupId: r.setup_id,
          target: r.id,
          details: { purpose, kid: r.kid, reason: err instanceof VaultError ? err.message : 'error' },
        });
        throw err instanceof VaultError ? err : new VaultError('could not open the credential');
      }
    },

    /** Moves every credential's data key to the active KEK (see rewrapSealedColumns). */
    async rewrapAll(actor: Actor): Promise<{ rewrapped: number; failed: number }> {
      return rewrapSealedColumns(
        { db, keyring: deps.keyring(), audit: deps.audit },
        'credentials',
        (r) => credentialAad(r.setup_id, r.tenant_id, r.client_id),
        actor,
      );
    },
  };
}
export type CredentialStore = ReturnType<typeof createCredentialStore>;
