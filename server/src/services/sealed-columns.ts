import type { Kysely } from 'kysely';
import type { Keyring } from '../config.ts';
import type { Db } from '../db/database.ts';
import type { CredentialsTable, WebhookSubscriptionsTable } from '../db/schema.ts';
import { rewrap, type Sealed } from '../vault/vault.ts';
import type { Actor, Audit } from './audit.ts';
import { SHREDDED_KID } from './credentials/shred.ts';

/** The five columns every sealed secret is stored in. */
export type SealedColumns = Pick<CredentialsTable, 'kid' | 'wrapped_key' | 'iv' | 'tag' | 'ciphertext'>;

export const sealedOf = (r: SealedColumns): Sealed => ({
  kid: r.kid,
  wrappedKey: r.wrapped_key,
  iv: r.iv,
  tag: r.tag,
  ciphertext: r.ciphertext,
});

export const sealedColumns = (s: Sealed): SealedColumns => ({
  kid: s.kid,
  wrapped_key: s.wrappedKey,
  iv: s.iv,
  tag: s.tag,
  ciphertext: s.ciphertext,
});

type SealedTables = {
  credentials: CredentialsTable;
  webhook_subscriptions: WebhookSubscriptionsTable;
};

/**
 * Re-wraps every data key of `table` not under the active KEK, so the old key can then be removed from
 * KANTIV_KEYS. Compare-and-set on the old kid: a row a concurrent write or a second run already moved is neither
 * overwritten nor counted. A row that cannot be opened counts as failed and keeps its old key.
 */
export async function rewrapSealedColumns<T extends keyof SealedTables>(
  deps: { db: Db; keyring: Keyring; audit: Audit },
  table: T,
  aad: (row: SealedTables[T]) => string,
  actor: Actor,
): Promise<{ rewrapped: number; failed: number }> {
  const { keyring } = deps;
  // Both tables carry `id` and the sealed columns under the same names: one query shape serves either.
  const db = deps.db as unknown as Kysely<{ sealed: SealedColumns & { id: string } }>;
  const name = table as 'sealed';
  // A shredded row has no data key left to re-wrap (decision 018).
  const rows = await db
    .selectFrom(name)
    .selectAll()
    .where('kid', '<>', keyring.activeKid)
    .where('kid', '<>', SHREDDED_KID)
    .execute();
  let rewrapped = 0;
  let failed = 0;
  for (const r of rows) {
    try {
      const next = rewrap(keyring, sealedOf(r), aad(r as unknown as SealedTables[T]));
      const res = await db
        .updateTable(name)
        .set({ kid: next.kid, wrapped_key: next.wrappedKey })
        .where('id', '=', r.id)
        .where('kid', '=', r.kid)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) === 1) rewrapped += 1;
    } catch {
      failed += 1;
    }
  }
  await deps.audit.record(actor, {
    action: 'vault.rewrapped',
    details: { table, rewrapped, failed, kid: keyring.activeKid },
  });
  return { rewrapped, failed };
}
