import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Manifest } from '@kantiv/shared/manifest';
import type { Setup, SetupState } from '@kantiv/shared/setup';
import { allowedActions, linkAllowed } from '@kantiv/shared/setup-actions';
import type { CreateSetupLinkResponse, SetupLinkPurpose } from '@kantiv/shared/setup-links';
import type { Db } from '../../db/database.ts';
import { systemClock, type Clock } from '../../lib/clock.ts';
import { HttpError } from '../../lib/http-error.ts';
import type { Actor } from '../audit.ts';
import { fenceSetupJobs } from '../jobs.ts';
import { sourceOf, stateEvent } from './events.ts';
import type { ColumnUpdate, Lifecycle } from './lifecycle.ts';
import { disconnectedError, retiredHash } from './wizard-gate.ts';
import { nowIso, toSetup, type CreateSetupInput, type SetupRepository, type SetupRow } from './repository.ts';

/** The setup token is shown once (in the invite link's fragment); only its SHA-256 is stored. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

const newToken = () => randomBytes(32).toString('base64url');
const LINK_NAME: Record<SetupLinkPurpose, string> = {
  renew: 'renewal',
  repair: 'repair',
  disconnect: 'disconnect',
};

/** Staff and API clients invite a customer, extend or re-issue the invite, or revoke it; the wizard finds it. */
export function createInvites(deps: {
  db: Db;
  repo: SetupRepository;
  lifecycle: Lifecycle;
  publicUrl: string;
  defaultManifest: Manifest;
  clock?: Clock;
}) {
  const { db, repo, lifecycle } = deps;
  const inviteUrl = (id: string, token: string) => `${deps.publicUrl}/setup/${id}#token=${token}`;
  const clock = deps.clock ?? systemClock;

  /** Stores a fresh live token hash with what `decide` adds; the caller shows the token once. */
  async function reissue(
    id: string,
    actor: Actor,
    decide: (current: SetupRow) => Promise<{
      set: ColumnUpdate;
      message: string;
      audit: string;
      details?: Record<string, unknown>;
    }>,
  ): Promise<{ row: SetupRow; token: string }> {
    const token = newToken();
    const row = await lifecycle.change(id, actor, async (current) => {
      const d = await decide(current);
      return {
        set: { ...d.set, token_hash: hashToken(token) },
        events: [{ type: 'action', source: sourceOf(actor), message: d.message }],
        audit: d.audit,
        ...(d.details ? { details: d.details } : {}),
      };
    });
    return { row, token };
  }

  return {
    async create(input: CreateSetupInput, actor: Actor): Promise<{ setup: Setup; inviteUrl: string }> {
      const id = randomUUID();
      const token = newToken();
      const at = nowIso();
      const row = await lifecycle.open(
        {
          id,
          customer_name: input.customerName,
          expected_tenant_domain: input.expectedTenantDomain ?? null,
          environment_hint: input.environmentHint ?? null,
          manifest: JSON.stringify(input.manifest ?? deps.defaultManifest),
          secret_lifetime_months: input.secretLifetimeMonths,
          invite_expires_at: new Date(Date.now() + input.inviteExpiresInHours * 3_600_000).toISOString(),
          token_hash: hashToken(token),
          created_at: at,
          updated_at: at,
          created_by: `${actor.kind}:${actor.id}`,
          tenant_id: null,
          tenant_domain: null,
          admin_username: null,
          environment_url: null,
          client_id: null,
          application_user_id: null,
          role_name: null,
          credential_kind: null,
          credential_source: null,
          secret_expires_at: null,
          verification: null,
          last_error: null,
          expiry_notified_at: null,
          expiry_notice_days: null,
          attention: null,
          attention_since: null,
          attention_message: null,
          opened_at: null,
          admin_seen_at: null,
          version: 1,
        },
        actor,
        {
          audit: 'setup.created',
          details: { customerName: input.customerName },
          events: [stateEvent(sourceOf(actor), 'Invite created', 'invited')],
        },
      );
      return { setup: toSetup(row, []), inviteUrl: inviteUrl(id, token) };
    },

    async revoke(id: string, actor: Actor): Promise<Setup> {
      const row = await lifecycle.change(id, actor, async (current, trx) => {
        if (current.state === 'revoked') return {};
        // Rolled back with the revoke if it loses its compare-and-set; then decided again on the fresh row.
        const fenced = await fenceSetupJobs(trx, id);
        return {
          move: { to: 'revoked', on: 'revoke' },
          events: [stateEvent(sourceOf(actor), 'Setup revoked', 'revoked')],
          audit: 'setup.revoked',
          ...(fenced > 0 ? { details: { jobsCancelled: fenced } } : {}),
        };
      });
      return repo.withSteps(row);
    },

    async extend(id: string, hours: number, actor: Actor): Promise<Setup> {
      const row = await lifecycle.change(id, actor, async (current) => {
        if (current.state === 'revoked')
          throw new HttpError(409, 'setup_revoked', 'A revoked setup cannot be extended.');
        if (!allowedActions({ state: current.state as SetupState }).extend)
          throw new HttpError(
            409,
            'conflict',
            `A setup that is ${current.state} has no invite to extend: the wizard has finished with it.`,
          );
        const base = Math.max(Date.now(), Date.parse(current.invite_expires_at));
        const expires = new Date(base + hours * 3_600_000).toISOString();
        const state = (
          current.state === 'expired' ? (current.tenant_id ? 'in_progress' : 'invited') : current.state
        ) as SetupState;
        return {
          set: { invite_expires_at: expires },
          move: { to: state, on: 'extend' },
          events: [
            {
              type: 'action',
              source: sourceOf(actor),
              message: `Invite extended until ${expires}`,
              data: { state, inviteExpiresAt: expires },
            },
          ],
          audit: 'setup.extended',
          details: { hours, inviteExpiresAt: expires },
        };
      });
      return repo.withSteps(row);
    },

    /** A fresh setup token: the previous invite link stops working at once. */
    async newInvite(id: string, actor: Actor): Promise<{ setup: Setup; inviteUrl: string }> {
      const { row, token } = await reissue(id, actor, async (current) => {
        if (current.state === 'revoked') throw new HttpError(409, 'setup_revoked', 'This setup was revoked.');
        // A disconnected setup takes a disconnect link only (its write is allowed for that, lifecycle.ts).
        if (current.state === 'disconnected') throw disconnectedError();
        return {
          set: { link_purpose: null, link_expires_at: null },
          message: 'A new invite link was issued; the old one no longer works',
          audit: 'setup.invite_reissued',
        };
      });
      return { setup: await repo.withSteps(row), inviteUrl: inviteUrl(id, token) };
    },

    /**
     * A renewal or repair link for a verified setup (decision 013): a fresh setup token like a new invite, which the
     * wizard may use on the verified setup until `expiresAt`. The previous link stops working at once.
     */
    async issueLink(
      id: string,
      request: { purpose: SetupLinkPurpose; expiresInHours: number },
      actor: Actor,
    ): Promise<CreateSetupLinkResponse> {
      const { purpose } = request;
      const expiresAt = new Date(clock.now().getTime() + request.expiresInHours * 3_600_000).toISOString();
      const { token } = await reissue(id, actor, async (current) => {
        if (current.state === 'revoked') throw new HttpError(409, 'setup_revoked', 'This setup was revoked.');
        const view = toSetup(current, []);
        if (!linkAllowed(view, purpose))
          throw new HttpError(
            409,
            'conflict',
            purpose === 'disconnect'
              ? 'A disconnect link is for a setup the admin signed in to; nothing was created in the tenant of an invite nobody used.'
              : current.state !== 'verified'
                ? `A ${LINK_NAME[purpose]} link is for a connection in use; this setup is ${current.state}.`
                : view.health?.cause?.link === 'none'
                  ? `A repair link cannot fix this drift (${view.health.cause.code}): ${view.health.cause.fix}`
                  : 'A repair link is for a connection whose health check found drift; this one is healthy or not checked yet.',
          );
        return {
          set: { link_purpose: purpose, link_expires_at: expiresAt },
          message: `A ${LINK_NAME[purpose]} link was issued (works until ${expiresAt}); any earlier link no longer works`,
          audit: 'setup.link_issued',
          details: { purpose, expiresAt },
        };
      });
      return { purpose, expiresAt, url: `${inviteUrl(id, token)}&purpose=${purpose}` };
    },
    /** The setup of a live or a retired token (see `wizard-gate.ts`); the wizard routes decide what each may do. */
    async findByToken(token: string): Promise<SetupRow | undefined> {
      const hash = hashToken(token);
      return db
        .selectFrom('setups')
        .selectAll()
        .where('token_hash', 'in', [hash, retiredHash(hash)])
        .executeTakeFirst();
    },

    /** Whether a run ever reached the admin's tenant (a step left "pending"): an expired invite says so, not "nothing changed". */
    async anyStepRan(setupId: string): Promise<boolean> {
      const row = await db
        .selectFrom('setup_steps')
        .select('step')
        .where('setup_id', '=', setupId)
        .where('status', '!=', 'pending')
        .executeTakeFirst();
      return row !== undefined;
    },
  };
}
