import { EXPIRY_NOTICE_DAYS, type ExpiryNoticeDays } from '@kantiv/shared/credential-expiry';
import type { Db } from '../../db/database.ts';
import { DAY_MS, type Clock } from '../../lib/clock.ts';
import type { Actor } from '../audit.ts';
import { StateConflict, type Lifecycle } from './lifecycle.ts';

const EXPIRY: Actor = { kind: 'system', id: 'credential-expiry' };
/** States whose credential is in use: token vending answers with it. */
export const CREDENTIAL_IN_USE_STATES = ['verified'] as const;
const PAGE = 200;

export type ExpiringNotice = { setupId: string; days: ExpiryNoticeDays };

/**
 * `credential.expiring` at 30, 14, 7 and 1 days before a connection's credential ends (a secret, or a certificate
 * that has not rotated): each threshold once per credential. The threshold announced is stored on the setup (a new
 * hand-off clears it), so a second sweep, another instance or a restart never repeats one; a sweep that first sees a
 * credential late announces the tightest threshold crossed, not every one it missed.
 */
export function createCredentialExpiry(deps: { db: Db; lifecycle: Lifecycle; clock: Clock }) {
  let notify: (notice: ExpiringNotice) => Promise<void> = async () => {};

  /** Announces `days` for one setup, decided again on the row inside the write; true when it was announced. */
  async function announce(id: string, days: ExpiryNoticeDays, now: Date): Promise<boolean> {
    let announced = false;
    try {
      await deps.lifecycle.change(id, EXPIRY, async (row) => {
        const due =
          (CREDENTIAL_IN_USE_STATES as readonly string[]).includes(row.state) &&
          row.secret_expires_at !== null &&
          Date.parse(row.secret_expires_at) - now.getTime() <= days * DAY_MS &&
          (row.expiry_notice_days === null || row.expiry_notice_days > days);
        if (!due) return {};
        announced = true;
        const kind = row.credential_kind === 'certificate' ? 'certificate' : 'secret';
        return {
          set: { expiry_notice_days: days, expiry_notified_at: now.toISOString() },
          events: [
            {
              type: 'action',
              source: 'system',
              message: `The ${kind} this connection uses expires within ${days} day${days === 1 ? '' : 's'} (${row.secret_expires_at}); renew it before then.`,
              data: { credentialExpiresAt: row.secret_expires_at, expiringInDays: days },
            },
          ],
          audit: 'credential.expiring',
          details: { days, expiresAt: row.secret_expires_at },
        };
      });
    } catch (err) {
      // Another writer moved the setup meanwhile: the next sweep decides again.
      if (!(err instanceof StateConflict)) throw err;
      announced = false;
    }
    return announced;
  }

  return {
    /** Where an announced notice goes (the webhooks), wired by the composition root. */
    notifyWith(fn: (notice: ExpiringNotice) => Promise<void>): void {
      notify = fn;
    },

    /** One sweep; answers how many notices went out. Tightest threshold first, so a late sweep sends only that one. */
    async sweep(): Promise<number> {
      const now = deps.clock.now();
      let sent = 0;
      for (const days of [...EXPIRY_NOTICE_DAYS].reverse()) {
        for (;;) {
          const rows = await deps.db
            .selectFrom('setups')
            .select('id')
            .where('state', 'in', [...CREDENTIAL_IN_USE_STATES])
            .where('secret_expires_at', 'is not', null)
            .where('secret_expires_at', '<=', new Date(now.getTime() + days * DAY_MS).toISOString())
            .where((eb) => eb.or([eb('expiry_notice_days', 'is', null), eb('expiry_notice_days', '>', days)]))
            .limit(PAGE)
            .execute();
          let progressed = 0;
          for (const { id } of rows) {
            if (!(await announce(id, days, now))) continue;
            progressed += 1;
            await notify({ setupId: id, days });
          }
          sent += progressed;
          if (rows.length < PAGE || progressed === 0) break;
        }
      }
      return sent;
    },
  };
}
export type CredentialExpiry = ReturnType<typeof createCredentialExpiry>;
