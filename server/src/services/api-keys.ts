import { hash as digest, randomBytes, randomUUID } from 'node:crypto';
import type { ApiKey, ApiKeyScope } from '@kantiv/shared/auth';
import { ApiKeyScopeSchema } from '@kantiv/shared/auth';
import type { Store } from '../db/database.ts';
import type { ApiKeysTable } from '../db/schema.ts';
import { HttpError } from '../lib/http-error.ts';
import type { Actor, Audit } from './audit.ts';

// One-shot hashing: no Hash object per request (same SHA-256 hex as before).
const hash = (key: string) => digest('sha256', key, 'hex');
// A short cache keeps the hot status path to one query; revocation on this instance clears it at once and other
// instances notice within CACHE_MS.
const CACHE_MS = 5_000;

export type ApiKeyCaller = { id: string; name: string; scopes: ApiKeyScope[] };

function toApiKey(r: ApiKeysTable): ApiKey {
  return {
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    scopes: JSON.parse(r.scopes) as ApiKeyScope[],
    createdAt: r.created_at,
    ...(r.last_used_at ? { lastUsedAt: r.last_used_at } : {}),
    ...(r.revoked_at ? { revokedAt: r.revoked_at } : {}),
  };
}

/** API keys are `kc_` + 256 random bits; only their SHA-256 is stored (high entropy: no slow hash needed). */
export function createApiKeys(deps: { store: Store; audit: Audit }) {
  const db = deps.store.db;
  const cache = new Map<string, { caller: ApiKeyCaller | null; until: number }>();
  const lastUsedWritten = new Map<string, number>();

  async function insert(name: string, scopes: ApiKeyScope[], key: string, actor: Actor): Promise<ApiKey> {
    const row: ApiKeysTable = {
      id: randomUUID(),
      name,
      prefix: key.slice(0, 10),
      key_hash: hash(key),
      scopes: JSON.stringify([...new Set(scopes)]),
      created_at: new Date().toISOString(),
      created_by: `${actor.kind}:${actor.id}`,
      last_used_at: null,
      revoked_at: null,
    };
    await db.insertInto('api_keys').values(row).execute();
    await deps.audit.record(actor, { action: 'api_key.created', target: row.id, details: { name, scopes } });
    return toApiKey(row);
  }

  return {
    async create(
      name: string,
      scopes: ApiKeyScope[],
      actor: Actor,
    ): Promise<{ apiKey: ApiKey; key: string }> {
      const key = `kc_${randomBytes(32).toString('base64url')}`;
      return { apiKey: await insert(name, scopes, key, actor), key };
    },

    /** The bootstrap key from configuration, created once with every scope. */
    async ensureBootstrap(key: string): Promise<void> {
      const existing = await db
        .selectFrom('api_keys')
        .select('id')
        .where('key_hash', '=', hash(key))
        .executeTakeFirst();
      if (existing) return;
      try {
        await insert('bootstrap', ApiKeyScopeSchema.options, key, { kind: 'system', id: 'bootstrap' });
      } catch {
        // Another instance created it at the same moment (unique key_hash).
      }
    },

    async list(): Promise<ApiKey[]> {
      const rows = await db.selectFrom('api_keys').selectAll().orderBy('created_at', 'desc').execute();
      return rows.map(toApiKey);
    },

    async revoke(id: string, actor: Actor): Promise<ApiKey> {
      const row = await db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) throw new HttpError(404, 'not_found', 'No API key with this id.');
      const revokedAt = row.revoked_at ?? new Date().toISOString();
      if (!row.revoked_at) {
        // The key's webhook subscriptions go with it: they would otherwise keep receiving every setup's data.
        const disabled = await db.transaction().execute(async (trx) => {
          await trx.updateTable('api_keys').set({ revoked_at: revokedAt }).where('id', '=', id).execute();
          const res = await trx
            .updateTable('webhook_subscriptions')
            .set({ disabled_at: revokedAt })
            .where('owner_api_key_id', '=', id)
            .where('disabled_at', 'is', null)
            .executeTakeFirst();
          return Number(res.numUpdatedRows);
        });
        await deps.audit.record(actor, {
          action: 'api_key.revoked',
          target: id,
          details: { name: row.name, webhooksDisabled: disabled },
        });
      }
      cache.delete(row.key_hash);
      return toApiKey({ ...row, revoked_at: revokedAt });
    },

    /**
     * The caller for `key` from the cache, with no I/O: `null` for a key known to be invalid or revoked, `undefined`
     * when the cache does not know (ask `authenticate`). Lets the hot path answer without a promise.
     */
    cached(key: string): ApiKeyCaller | null | undefined {
      const hit = cache.get(hash(key));
      return hit && hit.until > Date.now() ? hit.caller : undefined;
    },

    async authenticate(key: string): Promise<ApiKeyCaller | null> {
      const h = hash(key);
      const now = Date.now();
      const hit = cache.get(h);
      if (hit && hit.until > now) return hit.caller;
      const row = await db.selectFrom('api_keys').selectAll().where('key_hash', '=', h).executeTakeFirst();
      const caller =
        row && !row.revoked_at
          ? { id: row.id, name: row.name, scopes: JSON.parse(row.scopes) as ApiKeyScope[] }
          : null;
      if (cache.size > 10_000) cache.clear();
      cache.set(h, { caller, until: now + CACHE_MS });
      if (caller && (lastUsedWritten.get(caller.id) ?? 0) < now - 60_000) {
        lastUsedWritten.set(caller.id, now);
        await db
          .updateTable('api_keys')
          .set({ last_used_at: new Date(now).toISOString() })
          .where('id', '=', caller.id)
          .execute();
      }
      return caller;
    },
  };
}
export type ApiKeys = ReturnType<typeof createApiKeys>;
