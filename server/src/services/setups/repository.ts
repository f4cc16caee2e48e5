import { sql, type ExpressionBuilder } from 'kysely';
import type { AttentionKind } from '@kantiv/shared/attention';
import { ManifestSchema } from '@kantiv/shared/manifest';
import {
  SetupStateSchema,
  type CreateSetupRequestSchema,
  type Setup,
  type SetupList,
  type SetupState,
} from '@kantiv/shared/setup';
import { STEP_IDS, type StepStatus, type StepSummary } from '@kantiv/shared/steps';
import type { CredentialKind, Verification } from '@kantiv/shared/credentials';
import type { z } from 'zod';
import type { Db } from '../../db/database.ts';
import type { Database, SetupsTable, SetupStepsTable } from '../../db/schema.ts';
import { HttpError } from '../../lib/http-error.ts';

export type CreateSetupInput = z.output<typeof CreateSetupRequestSchema>;
export type SetupRow = SetupsTable;

/** States in which the admin can still be stuck in the wizard; later states speak for themselves. */
export const ATTENTION_STATES: readonly SetupState[] = ['invited', 'in_progress'];

export const nowIso = () => new Date().toISOString();
export const parseJson = <T>(s: string | null): T | undefined => (s ? (JSON.parse(s) as T) : undefined);
/** `{ key: v }`, or nothing when v is null or undefined (optional fields stay absent, not null). */
export const opt = <K extends string, V>(key: K, v: V | null | undefined) =>
  (v === null || v === undefined ? {} : { [key]: v }) as Partial<Record<K, V>>;

/** Every step, in the shared order; a step without a row is still pending. */
export function toSteps(rows: SetupStepsTable[]): StepSummary[] {
  const byStep = new Map(rows.map((r) => [r.step, r]));
  return STEP_IDS.map((step): StepSummary => {
    const r = byStep.get(step);
    if (!r) return { step, status: 'pending', attempts: 0 };
    return {
      step,
      status: r.status as StepStatus,
      attempts: r.attempts,
      ...opt('message', r.message),
      ...opt('startedAt', r.started_at),
      ...opt('finishedAt', r.finished_at),
      ...opt('error', parseJson<StepSummary['error']>(r.error)),
    };
  });
}

export function toSetup(r: SetupRow, steps: SetupStepsTable[]): Setup {
  return {
    id: r.id,
    customerName: r.customer_name,
    state: r.state as SetupState,
    manifest: ManifestSchema.parse(JSON.parse(r.manifest)),
    secretLifetimeMonths: r.secret_lifetime_months,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    inviteExpiresAt: r.invite_expires_at,
    ...opt('expectedTenantDomain', r.expected_tenant_domain),
    ...opt('environmentHint', r.environment_hint),
    ...opt('tenantId', r.tenant_id),
    ...opt('tenantDomain', r.tenant_domain),
    ...opt('adminUsername', r.admin_username),
    ...opt('environmentUrl', r.environment_url),
    ...opt('clientId', r.client_id),
    ...opt('applicationUserId', r.application_user_id),
    ...opt('roleName', r.role_name),
    ...opt('credentialKind', r.credential_kind as CredentialKind | null),
    ...opt('credentialSource', r.credential_source as 'automatic' | 'manual' | null),
    ...opt('secretExpiresAt', r.secret_expires_at),
    ...opt('verification', parseJson<Verification>(r.verification)),
    steps: toSteps(steps),
    ...(r.attention && r.attention_since && shownAttention(r)
      ? {
          attention: {
            kind: r.attention as AttentionKind,
            since: r.attention_since,
            message: r.attention_message ?? '',
          },
        }
      : {}),
    ...opt('openedAt', r.opened_at),
    ...opt('lastAdminActivityAt', r.admin_seen_at),
  };
}

/** Attention is shown while the wizard is open; a failing certificate rotation also on a verified setup. */
const shownAttention = (r: Pick<SetupRow, 'attention' | 'state'>) =>
  ATTENTION_STATES.includes(r.state as SetupState) ||
  (r.attention === 'rotation_failing' && r.state === 'verified');

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

/** Reads of the `setups` row and its steps: one setup, or a page of them (keyset paging, newest first). */
export function createSetupRepository(db: Db) {
  async function stepsOf(setupIds: string[]): Promise<Map<string, SetupStepsTable[]>> {
    const map = new Map<string, SetupStepsTable[]>();
    if (setupIds.length === 0) return map;
    const rows = await db.selectFrom('setup_steps').selectAll().where('setup_id', 'in', setupIds).execute();
    for (const r of rows) map.set(r.setup_id, [...(map.get(r.setup_id) ?? []), r]);
    return map;
  }

  async function getRow(id: string, trx: Db = db): Promise<SetupRow> {
    const row = await trx.selectFrom('setups').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new HttpError(404, 'not_found', 'No setup with this id.');
    return row;
  }

  /** The API view of a row the caller already holds (its steps read afresh). */
  async function withSteps(row: SetupRow): Promise<Setup> {
    return toSetup(row, (await stepsOf([row.id])).get(row.id) ?? []);
  }

  return {
    stepsOf,
    getRow,
    withSteps,

    async get(id: string): Promise<Setup> {
      return withSteps(await getRow(id));
    },

    async list(q: {
      state?: SetupState | undefined;
      q?: string | undefined;
      attention?: 'needed' | undefined;
      limit: number;
      cursor?: string | undefined;
    }): Promise<SetupList> {
      let query = db
        .selectFrom('setups')
        .selectAll()
        .orderBy('updated_at', 'desc')
        .orderBy('id', 'desc')
        .limit(q.limit + 1);
      const search = q.q;
      if (q.state) query = query.where('state', '=', q.state);
      if (q.attention) query = query.where(needsAttention);
      if (search) query = query.where((eb) => matches(eb, search));
      if (q.cursor) {
        const [updatedAt, id] = Buffer.from(q.cursor, 'base64url').toString('utf8').split('|');
        if (!updatedAt || !id) throw new HttpError(400, 'bad_request', 'The cursor is not valid.');
        query = query.where((eb) =>
          eb.or([
            eb('updated_at', '<', updatedAt),
            eb.and([eb('updated_at', '=', updatedAt), eb('id', '<', id)]),
          ]),
        );
      }
      const rows = await query.execute();
      const page = rows.slice(0, q.limit);
      const steps = await stepsOf(page.map((r) => r.id));
      // Counts are within the search, so "Blocked 3" means three of the setups that match it.
      let counted = db.selectFrom('setups');
      if (search) counted = counted.where((eb) => matches(eb, search));
      const countRows = await counted
        .select(['state', (eb) => eb.fn.countAll().as('n')])
        .groupBy('state')
        .execute();
      const attentionRow = await counted
        .where(needsAttention)
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirst();
      // Every state is present (zero when none), so the console can show all counters.
      const counts = Object.fromEntries(SetupStateSchema.options.map((s) => [s, 0])) as SetupList['counts'];
      for (const c of countRows) counts[c.state as SetupState] = Number(c.n);
      const last = page.at(-1);
      return {
        items: page.map((r) => toSetup(r, steps.get(r.id) ?? [])),
        counts,
        needsAttention: Number(attentionRow?.n ?? 0),
        ...(rows.length > q.limit && last
          ? { nextCursor: Buffer.from(`${last.updated_at}|${last.id}`).toString('base64url') }
          : {}),
      };
    },
  };
}
export type SetupRepository = ReturnType<typeof createSetupRepository>;
