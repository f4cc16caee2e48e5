import type { AuditActorKind, AuditEntry } from '@kantiv/shared/audit';
import type { Db } from '../db/database.ts';

export type Actor = { kind: AuditActorKind; id: string };
export const SYSTEM: Actor = { kind: 'system', id: 'server' };

export type AuditInput = {
  action: string;
  setupId?: string | null;
  target?: string | null;
  /** Identifiers and outcomes only: callers never put a secret or a token here. */
  details?: Record<string, unknown>;
};

/** The append-only audit trail (the table refuses UPDATE/DELETE). Pass a transaction to record atomically. */
export function createAudit(db: Db) {
  return {
    async record(actor: Actor, input: AuditInput, trx: Db = db): Promise<void> {
      await trx
        .insertInto('audit_log')
        .values({
          at: new Date().toISOString(),
          actor_kind: actor.kind,
          actor_id: actor.id,
          action: input.action,
          setup_id: input.setupId ?? null,
          target: input.target ?? null,
          details: input.details ? JSON.stringify(input.details) : null,
        })
        .execute();
    },

    async list(q: {
      setupId?: string | undefined;
      action?: string | undefined;
      actorKind?: AuditActorKind | undefined;
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
