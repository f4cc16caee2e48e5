import type { Setup } from '@kantiv/shared/setup';
import type { TenantRemoval } from '@kantiv/shared/disconnect';
import type { Db } from '../db/database.ts';
import { HttpError } from '../lib/http-error.ts';
import type { Actor } from './audit.ts';
import { shredSetupCredentials } from './credentials/shred.ts';
import { fenceSetupJobs } from './jobs.ts';
import { sourceOf, stateEvent } from './setups/events.ts';
import type { Change } from './setups/lifecycle.ts';
import type { SetupRow } from './setups/repository.ts';
import type { Setups } from './setups/service.ts';
import { assertWizardMayWrite, linkLive, retiredHash } from './setups/wizard-gate.ts';
import type { Webhooks } from './webhooks.ts';

const summary = (shredded: number) =>
  `Disconnected: ${shredded} credential${shredded === 1 ? '' : 's'} destroyed; Kantiv no longer connects to this environment.`;

/** Our side, decided on the row read in the change's transaction: shred, fence, retire the link, audit. */
async function ourSide(
  current: SetupRow,
  trx: Db,
  actor: Actor,
  extra: { details?: Record<string, unknown>; message?: string; spendLink?: boolean } = {},
): Promise<{ change: Change; shredded: number }> {
  // Rolled back with the state change if its compare-and-set loses (or the transition is refused).
  const jobsCancelled = await fenceSetupJobs(trx, current.id);
  const shredded = await shredSetupCredentials(trx, current.id);
  const message = extra.message ?? summary(shredded);
  return {
    shredded,
    change: {
      move: { to: 'disconnected', on: 'disconnect' },
      // A live disconnect link survives our side: it is how the customer's admin does theirs.
      ...(current.token_hash &&
      (extra.spendLink === true || !(current.link_purpose === 'disconnect' && linkLive(current)))
        ? { set: { token_hash: retiredHash(current.token_hash), link_purpose: null, link_expires_at: null } }
        : {}),
      events: [stateEvent(sourceOf(actor), message, 'disconnected')],
      audit: 'setup.disconnected',
      details: { credentialsShredded: shredded, jobsCancelled, from: current.state, ...extra.details },
    },
  };
}

/**
 * Our side of a disconnect (decision 018): in one transaction the setup becomes `disconnected` (terminal), every
 * credential of it is crypto-shredded, its queued and running jobs are fenced and its invite link is retired; the
 * audit entry names the caller. Then the token cache forgets it and `setup.disconnected` goes out. The customer's
 * side (app registration, application user, role) is removed by the admin through a disconnect link (`customer`).
 */
export function createDisconnect(deps: {
  db: Db;
  setups: Setups;
  webhooks: Pick<Webhooks, 'emit'>;
  /** Drops a cached Dataverse token, so not even one minted before the shred is handed out again. */
  forgetToken: (setupId: string) => void;
}) {
  async function announce(id: string, shredded: number): Promise<void> {
    deps.forgetToken(id);
    await deps.webhooks.emit('setup.disconnected', id, summary(shredded));
  }

  async function disconnect(id: string, actor: Actor): Promise<Setup> {
    let shredded = -1;
    const row = await deps.setups.change(id, actor, async (current, trx) => {
      // Idempotent: a second disconnect changes nothing and sends nothing.
      if (current.state === 'disconnected') return {};
      const side = await ourSide(current, trx, actor);
      shredded = side.shredded;
      return side.change;
    });
    if (shredded >= 0) await announce(id, shredded);
    return deps.setups.withSteps(row);
  }

  /**
   * The customer's side, reported by the wizard of a disconnect link once its engine removed what it could from
   * the tenant: our side too if support had not done it yet (one audit entry then), else an audit entry of its own.
   * Either names the admin who confirmed it (`admin`, from a verified Microsoft sign-in). The link is spent.
   */
  async function customer(
    presented: SetupRow,
    input: { admin: string; removed: TenantRemoval },
    actor: Actor,
  ): Promise<{ credentialsShredded: number }> {
    let shredded = -1;
    await deps.setups.change(presented.id, actor, async (current, trx) => {
      assertWizardMayWrite(current, presented, 'disconnect');
      const details = { disconnectedBy: input.admin, tenantRemoval: input.removed };
      if (current.state !== 'disconnected') {
        const side = await ourSide(current, trx, actor, {
          details,
          spendLink: true,
          message: `${input.admin} disconnected the setup and removed what Kantiv created in the tenant.`,
        });
        shredded = side.shredded;
        return side.change;
      }
      if (!current.token_hash) throw new HttpError(409, 'setup_disconnected', 'This link was already used.');
      return {
        set: { token_hash: retiredHash(current.token_hash), link_purpose: null, link_expires_at: null },
        events: [
          {
            type: 'action',
            source: 'wizard',
            message: `${input.admin} removed what Kantiv created in the tenant.`,
            data: { tenantRemoval: input.removed },
          },
        ],
        audit: 'setup.tenant_cleaned',
        details,
      };
    });
    if (shredded >= 0) await announce(presented.id, shredded);
    return { credentialsShredded: Math.max(shredded, 0) };
  }

  /** Does another live setup of the tenant use this setup's app registration (decision 010)? Then it stays. */
  async function appShared(setup: SetupRow): Promise<boolean> {
    if (!setup.tenant_id || !setup.client_id) return false;
    const other = await deps.db
      .selectFrom('setups')
      .select('id')
      .where('tenant_id', '=', setup.tenant_id)
      .where('client_id', '=', setup.client_id)
      .where('id', '<>', setup.id)
      .where('state', 'not in', ['revoked', 'disconnected'])
      .executeTakeFirst();
    return other !== undefined;
  }

  return Object.assign(disconnect, { customer, appShared });
}
export type Disconnect = ReturnType<typeof createDisconnect>;
