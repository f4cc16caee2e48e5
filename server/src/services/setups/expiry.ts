import type { Db } from '../../db/database.ts';
import type { Actor } from '../audit.ts';
import { StateConflict, type Lifecycle } from './lifecycle.ts';
import { stateEvent } from './events.ts';
import { nowIso } from './repository.ts';

const EXPIRY: Actor = { kind: 'system', id: 'expiry' };

/** Invites past their expiry that never finished become `expired` (a sweep, so every instance agrees). */
export function createExpirySweep(deps: { db: Db; lifecycle: Lifecycle }) {
  return async function expireOverdue(): Promise<number> {
    const overdue = await deps.db
      .selectFrom('setups')
      .select('id')
      .where('state', 'in', ['invited', 'in_progress'])
      .where('invite_expires_at', '<', nowIso())
      .limit(100)
      .execute();
    for (const { id } of overdue) {
      try {
        await deps.lifecycle.change(id, EXPIRY, async (current) =>
          (current.state === 'invited' || current.state === 'in_progress') &&
          current.invite_expires_at < nowIso()
            ? {
                move: { to: 'expired', on: 'expire' },
                events: [stateEvent('system', 'The invite expired', 'expired')],
                audit: 'setup.expired',
              }
            : {},
        );
      } catch (err) {
        // Another writer kept moving the setup: the next sweep looks again.
        if (!(err instanceof StateConflict)) throw err;
      }
    }
    return overdue.length;
  };
}
