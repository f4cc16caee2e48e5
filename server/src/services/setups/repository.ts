import type { AttentionKind } from '@kantiv/shared/attention';
import type { HealthCause, SetupHealth } from '@kantiv/shared/connection-health';
import { ManifestSchema } from '@kantiv/shared/manifest';
import { type CreateSetupRequestSchema, type Setup, type SetupState } from '@kantiv/shared/setup';
import { STEP_IDS, type StepStatus, type StepSummary } from '@kantiv/shared/steps';
import type { CredentialKind, Verification } from '@kantiv/shared/credentials';
import type { SetupLink, SetupLinkPurpose } from '@kantiv/shared/setup-links';
import type { z } from 'zod';
import type { Db } from '../../db/database.ts';
import type { SetupsTable, SetupStepsTable } from '../../db/schema.ts';
import { HttpError } from '../../lib/http-error.ts';
import { activeCredentialIds, credentialSummary, type CredentialIds } from './credential-summary.ts';

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

/** `created_by` is `<actor kind>:<actor id>`. */
function creatorOf(createdBy: string): { kind: string; id: string } {
  const at = createdBy.indexOf(':');
  return at < 0
    ? { kind: 'system', id: createdBy }
    : { kind: createdBy.slice(0, at), id: createdBy.slice(at + 1) };
}

export function toSetup(r: SetupRow, steps: SetupStepsTable[], ids?: CredentialIds): Setup {
  const credential = credentialSummary(r, ids);
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
    ...(credential ? { credential } : {}),
    createdBy: creatorOf(r.created_by),
    ...opt('health', healthOf(r)),
    ...opt('link', linkOf(r)),
  };
}

/** The renewal or repair link (migration 009) of a setup in use, or its disconnect link, until its time is over. */
function linkOf(r: SetupRow): SetupLink | undefined {
  const open = r.state === 'verified' || (r.link_purpose === 'disconnect' && r.state !== 'revoked');
  if (!open || !r.link_purpose || !r.link_expires_at || !r.token_hash) return undefined;
  if (r.token_hash.startsWith('retired:')) return undefined;
  if (r.link_expires_at <= nowIso()) return undefined;
  return { purpose: r.link_purpose as SetupLinkPurpose, expiresAt: r.link_expires_at };
}

/** The health check's latest answer on a row (migration 008), or undefined before the first check. */
export function healthOf(r: SetupRow): SetupHealth | undefined {
  if (!r.health || !r.health_checked_at) return undefined;
  return {
    health: r.health as SetupHealth['health'],
    lastCheckedAt: r.health_checked_at,
    since: r.health_since ?? r.health_checked_at,
    ...opt('cause', parseJson<HealthCause>(r.health_cause ?? null)),
  };
}

/** Attention is shown while the wizard is open; a failing certificate rotation also on a verified setup. */
const shownAttention = (r: Pick<SetupRow, 'attention' | 'state'>) =>
  ATTENTION_STATES.includes(r.state as SetupState) ||
  (r.attention === 'rotation_failing' && r.state === 'verified');

/** Reads of the `setups` row and its steps (finding many is finder.ts). */
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
    const ids = (await activeCredentialIds(db, [row.id])).get(row.id);
    return toSetup(row, (await stepsOf([row.id])).get(row.id) ?? [], ids);
  }

  return {
    stepsOf,
    getRow,
    withSteps,

    async get(id: string): Promise<Setup> {
      return withSteps(await getRow(id));
    },
  };
}
export type SetupRepository = ReturnType<typeof createSetupRepository>;
