import { sql, type ExpressionBuilder, type RawBuilder } from 'kysely';
import {
  SetupStateSchema,
  type Setup,
  type SetupList,
  type SetupSort,
  type SetupState,
} from '@kantiv/shared/setup';
import type { Db } from '../../db/database.ts';
import type { Database } from '../../db/schema.ts';
import { HttpError } from '../../lib/http-error.ts';
import { activeCredentialIds } from './credential-summary.ts';
import { ATTENTION_STATES, toSetup, type SetupRepository } from './repository.ts';

export type SetupFilter = {
  state?: SetupState | undefined;
  q?: string | undefined;
  attention?: 'needed' | undefined;
  /** Setups whose credential ends within this many days (or has ended); revoked ones never. */
  expiresWithinDays?: number | undefined;
  sort: SetupSort;
  order: 'asc' | 'desc';
};
export type SetupPageQuery = SetupFilter & { limit: number; cursor?: string | undefined };

/** Needs attention: stuck while the wizard is open (see moments.ts), failed, or failing to rotate its key. */
function needsAttention(eb: ExpressionBuilder<Database, 'setups'>) {
  return eb.or([
    eb('state', '=', 'failed'),
    eb.and([eb('attention', '=', 'rotation_failing'), eb('state', '=', 'verified')]),
    eb.and([eb('attention', 'is not', null), eb('state', 'in', [...ATTENTION_STATES])]),
  ]);
}

/** Search by customer, tenant id or domain, setup id, environment URL or name (the hint). */
function matches(eb: ExpressionBuilder<Database, 'setups'>, q: string) {
  const like = `%${q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const columns = [
    'customer_name',
    'id',
    'tenant_id',
    'tenant_domain',
    'expected_tenant_domain',
    'environment_url',
    'environment_hint',
  ] as const;
  return eb.or(columns.map((c) => sql<boolean>`lower(${sql.ref(c)}) like ${like} escape '\\'`));
}

/**
 * The value each sort orders by, as the console shows the column: a missing value sorts as '' (never NULL, whose
 * place differs between SQLite and PostgreSQL and which no keyset comparison can pass), names without case.
 */
const SORT_KEYS: Record<SetupSort, RawBuilder<string>> = {
  customer: sql`lower(customer_name)`,
  state: sql`state`,
  tenant: sql`lower(coalesce(tenant_domain, expected_tenant_domain, tenant_id, ''))`,
  environment: sql`lower(coalesce(environment_url, environment_hint, ''))`,
  created: sql`created_at`,
  creator: sql`created_by`,
  updated: sql`updated_at`,
  inviteExpiry: sql`invite_expires_at`,
  secretExpiry: sql`coalesce(secret_expires_at, '')`,
};

type Cursor = { sort: SetupSort; order: 'asc' | 'desc'; value: string; id: string };

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.sort, c.order, c.value, c.id])).toString('base64url');
}

/** A cursor is only good for the order it was made in: another sort would skip or repeat rows. */
function decodeCursor(raw: string, sort: SetupSort, order: 'asc' | 'desc'): Cursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 4 ||
    !parsed.every((p) => typeof p === 'string') ||
    parsed[0] !== sort ||
    parsed[1] !== order
  )
    throw new HttpError(400, 'bad_request', 'The cursor is not valid for this sort.');
  return { sort, order, value: parsed[2] as string, id: parsed[3] as string };
}

/** Finding setups: search, filters, any sort, keyset pages with a total, and every match for the CSV export. */
export function createSetupFinder(db: Db, repo: Pick<SetupRepository, 'stepsOf'>) {
  function filtered(f: SetupFilter) {
    let query = db.selectFrom('setups');
    const search = f.q;
    if (f.state) query = query.where('state', '=', f.state);
    if (f.attention) query = query.where(needsAttention);
    if (f.expiresWithinDays !== undefined)
      query = query
        .where('secret_expires_at', 'is not', null)
        .where(
          'secret_expires_at',
          '<=',
          new Date(Date.now() + f.expiresWithinDays * 86_400_000).toISOString(),
        )
        .where('state', 'not in', ['revoked']);
    if (search) query = query.where((eb) => matches(eb, search));
    return query;
  }

  /** One page in the filter's order; `id` breaks ties so the order is total and pages never overlap. */
  async function page(q: SetupPageQuery) {
    const key = SORT_KEYS[q.sort];
    let query = filtered(q)
      .selectAll()
      .select(key.as('sort_value'))
      .orderBy(key, q.order)
      .orderBy('id', q.order)
      .limit(q.limit + 1);
    if (q.cursor) {
      const c = decodeCursor(q.cursor, q.sort, q.order);
      const after = q.order === 'desc' ? '<' : '>';
      query = query.where((eb) =>
        eb.or([eb(key, after, c.value), eb.and([eb(key, '=', c.value), eb('id', after, c.id)])]),
      );
    }
    const rows = await query.execute();
    const pageIds = rows.slice(0, q.limit).map((r) => r.id);
    const steps = await repo.stepsOf(pageIds);
    const ids = await activeCredentialIds(db, pageIds);
    const items = rows.slice(0, q.limit).map((r) => toSetup(r, steps.get(r.id) ?? [], ids.get(r.id)));
    const last = rows[q.limit - 1];
    const nextCursor =
      rows.length > q.limit && last
        ? encodeCursor({ sort: q.sort, order: q.order, value: String(last.sort_value), id: last.id })
        : undefined;
    return { items, nextCursor };
  }

  return {
    async list(q: SetupPageQuery): Promise<SetupList> {
      const { items, nextCursor } = await page(q);
      // Counts are within the search, so "Blocked 3" means three of the setups that match it.
      const searched = filtered({ q: q.q, sort: q.sort, order: q.order });
      const countRows = await searched
        .select(['state', (eb) => eb.fn.countAll().as('n')])
        .groupBy('state')
        .execute();
      const attentionRow = await searched
        .where(needsAttention)
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirst();
      const totalRow = await filtered(q)
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirst();
      // Every state is present (zero when none), so the console can show all counters.
      const counts = Object.fromEntries(SetupStateSchema.options.map((s) => [s, 0])) as SetupList['counts'];
      for (const c of countRows) counts[c.state as SetupState] = Number(c.n);
      return {
        items,
        counts,
        needsAttention: Number(attentionRow?.n ?? 0),
        total: Number(totalRow?.n ?? 0),
        ...(nextCursor ? { nextCursor } : {}),
      };
    },

    /** Every setup the filter matches, in its order, page by page (a bounded read each time). */
    async *all(f: SetupFilter, max: number): AsyncGenerator<Setup> {
      let cursor: string | undefined;
      let sent = 0;
      do {
        const limit = Math.min(200, max - sent);
        const next = await page({ ...f, limit, cursor });
        for (const s of next.items) yield s;
        sent += next.items.length;
        cursor = next.nextCursor;
      } while (cursor && sent < max);
    },
  };
}
