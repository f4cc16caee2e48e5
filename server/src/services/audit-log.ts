import type { AuditEntry, AuditFilterQuery, AuditList } from '@kantiv/shared/audit';
import type { Db } from '../db/database.ts';
import type { Audit } from './audit.ts';
import { csvOf, type CsvColumns } from './setups/csv.ts';
import type { StaffDirectory } from './staff-directory.ts';

const PAGE = 200;

const COLUMNS: CsvColumns<AuditEntry> = [
  ['id', (e) => e.id],
  ['at', (e) => e.at],
  ['actor_kind', (e) => e.actor.kind],
  ['actor_id', (e) => e.actor.id],
  ['actor_name', (e) => e.actor.name],
  ['actor_email', (e) => e.actor.email],
  ['action', (e) => e.action],
  ['setup_id', (e) => e.setupId],
  ['customer', (e) => e.customerName],
  ['target', (e) => e.target],
  ['details', (e) => (e.details ? JSON.stringify(e.details) : undefined)],
];

/**
 * The audit log as people read it: entries with the actor's name and e-mail (staff as last seen signed in, an API
 * key by its name) and the setup's customer name, looked up at read time so the hashed entries stay as written.
 */
export function createAuditLog(deps: { db: Db; audit: Audit; staff: StaffDirectory }) {
  const { db } = deps;

  async function named(items: AuditEntry[]): Promise<AuditEntry[]> {
    const ids = (kind: string) => [
      ...new Set(items.filter((e) => e.actor.kind === kind).map((e) => e.actor.id)),
    ];
    const setupIds = [...new Set(items.flatMap((e) => (e.setupId ? [e.setupId] : [])))];
    const staff = await deps.staff.names(ids('staff'));
    const keyIds = ids('api_key');
    const keys = new Map(
      keyIds.length
        ? (await db.selectFrom('api_keys').select(['id', 'name']).where('id', 'in', keyIds).execute()).map(
            (k) => [k.id, k.name] as const,
          )
        : [],
    );
    const customers = new Map(
      setupIds.length
        ? (
            await db
              .selectFrom('setups')
              .select(['id', 'customer_name'])
              .where('id', 'in', setupIds)
              .execute()
          ).map((s) => [s.id, s.customer_name] as const)
        : [],
    );
    return items.map((e) => {
      const who = e.actor.kind === 'staff' ? staff.get(e.actor.id) : undefined;
      const keyName = e.actor.kind === 'api_key' ? keys.get(e.actor.id) : undefined;
      const customerName = e.setupId ? customers.get(e.setupId) : undefined;
      return {
        ...e,
        actor: { ...e.actor, ...who, ...(keyName ? { name: keyName } : {}) },
        ...(customerName ? { customerName } : {}),
      };
    });
  }

  return {
    async list(q: AuditFilterQuery & { limit: number; cursor?: number | undefined }): Promise<AuditList> {
      const page = await deps.audit.list(q);
      return { ...page, items: await named(page.items) };
    },

    /** Every distinct action in the log, sorted: the filter offers these (new kinds of entry appear by themselves). */
    async actions(): Promise<string[]> {
      const rows = await db.selectFrom('audit_log').select('action').distinct().orderBy('action').execute();
      return rows.map((r) => r.action);
    },

    /** The CSV export of the filtered log, newest first, at most `max` entries (keyset pages underneath). */
    async *csv(q: AuditFilterQuery, max: number): AsyncGenerator<string> {
      const entries = async function* (this: void) {
        let cursor: number | undefined;
        let left = max;
        while (left > 0) {
          const page = await deps.audit.list({ ...q, limit: Math.min(PAGE, left), cursor });
          yield* await named(page.items);
          left -= page.items.length;
          if (page.nextCursor === undefined) return;
          cursor = page.nextCursor;
        }
      };
      yield* csvOf(COLUMNS, entries());
    },
  };
}
export type AuditLog = ReturnType<typeof createAuditLog>;
