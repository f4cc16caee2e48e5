import type { Setup } from '@kantiv/shared/setup';
import type { Actor } from './audit.ts';
import { shredSetupCredentials } from './credentials/shred.ts';
import { fenceSetupJobs } from './jobs.ts';
import { sourceOf, stateEvent } from './setups/events.ts';
import type { Setups } from './setups/service.ts';
import { retiredHash } from './setups/wizard-gate.ts';
import type { Webhooks } from './webhooks.ts';

const summary = (shredded: number) =>
  `Disconnected: ${shredded} credential${shredded === 1 ? '' : 's'} destroyed; Kantiv no longer connects to this environment.`;

/**
 * Our side of a disconnect (decision 018): in one transaction the setup becomes `disconnected` (terminal), every
 * credential of it is crypto-shredded, its queued and running jobs are fenced and its invite link is retired; the
 * audit entry names the caller. Then the token cache forgets it and `setup.disconnected` goes out. What the
 * customer's tenant still holds (app registration, application user, role) is the admin's to remove.
 */
export function createDisconnect(deps: {
  setups: Setups;
  webhooks: Pick<Webhooks, 'emit'>;
  /** Drops a cached Dataverse token, so not even one minted before the shred is handed out again. */
  forgetToken: (setupId: string) => void;
}) {
  return async function disconnect(id: string, actor: Actor): Promise<Setup> {
    let shredded = -1;
    const row = await deps.setups.change(id, actor, async (current, trx) => {
      // Idempotent: a second disconnect changes nothing and sends nothing.
      if (current.state === 'disconnected') return {};
      // Rolled back with the state change if its compare-and-set loses (or the transition is refused).
      const jobsCancelled = await fenceSetupJobs(trx, id);
      shredded = await shredSetupCredentials(trx, id);
      const message = summary(shredded);
      return {
        move: { to: 'disconnected', on: 'disconnect' },
        ...(current.token_hash ? { set: { token_hash: retiredHash(current.token_hash) } } : {}),
        events: [stateEvent(sourceOf(actor), message, 'disconnected')],
        audit: 'setup.disconnected',
        details: { credentialsShredded: shredded, jobsCancelled, from: current.state },
      };
    });
    if (shredded >= 0) {
      deps.forgetToken(id);
      await deps.webhooks.emit('setup.disconnected', id, summary(shredded));
    }
    return deps.setups.withSteps(row);
  };
}
export type Disconnect = ReturnType<typeof createDisconnect>;
