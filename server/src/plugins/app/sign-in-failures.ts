import type { Config } from '../../config.ts';

export type FailureVerdict =
  | { blocked: false }
  | {
      blocked: true;
      retryAfterSeconds: number;
      /** The first refusal of this window (audit it once). */ first: boolean;
    };

/**
 * Failed sign-ins per client address. The per-route budgets key on address + credential, so every new guess gets a
 * fresh bucket; this count is what slows down someone guessing setup tokens or API keys. It is consulted only when
 * a credential has already failed: a valid credential never reaches it, so nobody sharing an address (a NAT, a proxy
 * that was trusted too widely) can lock a legitimate caller out by failing on purpose.
 */
export function createSignInFailures(limit: Config['rateLimit']) {
  const failures = new Map<string, { count: number; resetAt: number; refused: boolean }>();

  return {
    /** Records one failure from `address`; past `max` in one window the failure is refused with a 429 instead. */
    fail(address: string): FailureVerdict {
      const now = Date.now();
      const entry = failures.get(address);
      if (!entry || entry.resetAt <= now) {
        if (failures.size >= 100_000) {
          for (const [a, e] of failures) if (e.resetAt <= now) failures.delete(a);
        }
        failures.set(address, { count: 1, resetAt: now + limit.windowMs, refused: false });
        return { blocked: false };
      }
      if (entry.count >= limit.max) {
        const first = !entry.refused;
        entry.refused = true;
        return { blocked: true, retryAfterSeconds: Math.ceil((entry.resetAt - now) / 1000), first };
      }
      entry.count += 1;
      return { blocked: false };
    },
  };
}
