import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { AuditActorKind, AuditEntry } from '@kantiv/shared/audit';
import type { Db, Dialect } from '../db/database.ts';
import type { AuditLogTable } from '../db/schema.ts';

export type Actor = { kind: AuditActorKind; id: string };
export const SYSTEM: Actor = { kind: 'system', id: 'server' };

export type AuditInput = {
  action: string;
  setupId?: string | null;
  target?: string | null;
  /** Identifiers and outcomes only: callers never put a secret or a token here. */
  details?: Record<string, unknown>;
};

/** The `prev_hash` of the first chained entry. */
export const GENESIS_HASH = '0'.repeat(64);
/** pg_advisory_xact_lock key that serializes audit appends (an arbitrary constant: "kantiv audit" in ASCII). */
const AUDIT_LOCK = 0x6b61756469;

type EntryFields = Pick<
  AuditLogTable,
  'at' | 'actor_kind' | 'actor_id' | 'action' | 'setup_id' | 'target' | 'details'
>;

/** SHA-256 over the previous hash and every field of the entry: changing, removing or reordering entries shows. */
export function auditEntryHash(prevHash: string, e: EntryFields): string {
  const fields = [prevHash, e.at, e.actor_kind, e.actor_id, e.action, e.setup_id, e.target, e.details];
  return createHash('sha256').update(JSON.stringify(fields)).digest('hex');
}

export type ChainReport =
  | { ok: true; checked: number; unchained: number }
  | { ok: false; checked: number; unchained: number; firstBroken: { id: number; reason: string } };

/**
 * The append-only audit trail (the table refuses UPDATE/DELETE, and each entry carries the hash of the one before,
 * so an owner who drops the triggers still cannot rewrite history unseen). Pass a transaction to record atomically.
 */
export function createAudit(db: Db, dialect: Dialect) {
  /**
   * Appends one entry chained to the last. Appends are serialized so two writers never chain to the same entry:
   * SQLite has one writer anyway; PostgreSQL takes a transaction-scoped advisory lock, held until the caller's
   * transaction ends (callers record last in their transactions, so the lock is short).
   */
  async function append(trx: Db, actor: Actor, input: AuditInput): Promise<void> {
    if (dialect === 'postgres') await sql`SELECT pg_advisory_xact_lock(${AUDIT_LOCK})`.execute(trx);
    const last = await trx
      .selectFrom('audit_log')
      .select('hash')
      .where('hash', 'is not', null)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    const prevHash = last?.hash ?? GENESIS_HASH;
    const entry: EntryFields = {
      at: new Date().toISOString(),
      actor_kind: actor.kind,
      actor_id: actor.id,
      action: input.action,
      setup_id: input.setupId ?? null,
      target: input.target ?? null,
      details: input.details ? JSON.stringify(input.details) : null,
    };
    await trx
      .insertInto('audit_log')
      .values({ ...entry, prev_hash: prevHash, hash: auditEntryHash(prevHash, entry) })
      .execute();
  }

  return {
    async record(actor: Actor, input: AuditInput, trx?: Db): Promise<void> {
      if (trx) await append(trx, actor, input);
      else await db.transaction().execute((t) => append(t, actor, input));
    },

    /**
     * Walks the chain in id order and names the first entry that does not fit: its hash does not match its fields,
     * it does not point at the entry before, or it has no hash after the chain began. Entries from before the
     * chain existed (migration 003) are counted as unchained. A cut-off tail is not detectable from the chain
     * alone; compare the last hash with one recorded elsewhere for that.
     */
    async verify(): Promise<ChainReport> {
      let checked = 0;
      let unchained = 0;
      let prev: string | undefined;
      let after = 0;
      for (;;) {
        const rows = await db
          .selectFrom('audit_log')
          .selectAll()
          .where('id', '>', after)
          .orderBy('id')
          .limit(1000)
          .execute();
        if (rows.length === 0) return { ok: true, checked, unchained };
        for (const r of rows) {
          const id = Number(r.id);
          after = id;
          const broken = (reason: string): ChainReport => ({
            ok: false,
            checked,
            unchained,
            firstBroken: { id, reason },
          });
          if (r.hash === null) {
            if (prev !== undefined) return broken('entry has no hash after the chain began');
            unchained += 1;
            continue;
          }
          const expectedPrev = prev ?? GENESIS_HASH;
          if (r.prev_hash !== expectedPrev)
            return broken('does not point at the entry before it (an entry was removed or reordered)');
          if (auditEntryHash(r.prev_hash ?? '', r) !== r.hash)
            return broken('its fields do not match its hash (the entry was changed)');
          prev = r.hash;
          checked += 1;
        }
      }
    },

    async list(q: {
      setupId?: string | undefined;
      action?: string | undefined;
      actorKind?: AuditActorKind | undefined;
      from?: string | undefined;
      to?: string | undefined;
      limit: number;
      cursor?: number | undefined;
    }): Promise<{ items: AuditEntry[]; nextCursor?: number }> {
      let query = db
        .selectFrom('audit_log')
        .selectAll()
        .orderBy('id', 'desc')
        .limit(q.limit + 1);
      if (q.setupId) query = query.where('setup_id', '=', q.setupId);
      if (q.action) query = query.where('action', '=', q.action);
      if (q.actorKind) query = query.where('actor_kind', '=', q.actorKind);
      // `at` is ISO 8601 in UTC, so text order is time order; a bound with an offset is moved to UTC first.
      if (q.from) query = query.where('at', '>=', new Date(q.from).toISOString());
      if (q.to) query = query.where('at', '<', new Date(q.to).toISOString());
      if (q.cursor) query = query.where('id', '<', q.cursor);
      const rows = await query.execute();
      const page = rows.slice(0, q.limit);
      const items = page.map((r): AuditEntry => ({
        id: Number(r.id),
        at: r.at,
        actor: { kind: r.actor_kind as AuditActorKind, id: r.actor_id },
        action: r.action,
        ...(r.setup_id ? { setupId: r.setup_id } : {}),
        ...(r.target ? { target: r.target } : {}),
        ...(r.details ? { details: JSON.parse(r.details) as Record<string, unknown> } : {}),
      }));
      const last = page.at(-1);
      return rows.length > q.limit && last ? { items, nextCursor: Number(last.id) } : { items };
    },
  };
}
export type Audit = ReturnType<typeof createAudit>;
