import type { Clock } from '../../lib/clock.ts';

/**
 * How fast health checks may go (per instance): at most `tenantConcurrency` checks of one tenant at a time, at most
 * `ratePerSecond` starts across all tenants (a token bucket), and a tenant Microsoft throttled (429 with
 * `Retry-After`) waits at least as long, and a backoff doubling from 30 s up to one check interval.
 *
 * A check refused a slot goes back to the queue until `retryAt`. Those times are handed out one after another, spaced
 * as the refused limit lets checks start (the global rate; a tenant's bound over how long its checks take), so a
 * backlog is spread over the time it needs instead of every refused job coming back at once and being refused
 * again: with 10,000 checks due together, each bounced job cost a claim and a write, over and over, on the same
 * event loop as the API (the fleet bench's status p99 grew 20×; the rotation bench, 1,000 checks of one tenant,
 * livelocked the server).
 */
export function createHealthLimits(cfg: {
  tenantConcurrency: number;
  ratePerSecond: number;
  intervalMs: number;
  clock: Clock;
}) {
  const running = new Map<string, number>();
  const backoff = new Map<string, { until: number; level: number }>();
  const burst = Math.max(1, cfg.ratePerSecond);
  let tokens = burst;
  let refilledAt = cfg.clock.now().getTime();
  let maxConcurrentPerTenant = 0;
  let throttled = 0;
  // The last retry time handed out, per tenant (its bound) and overall (the rate): the next refusal queues behind it.
  const tenantQueue = new Map<string, number>();
  let rateQueue = 0;
  // How long a check holds its slot (moving average), to space a busy tenant's retries; 1 s until measured.
  let checkMs = 1_000;
  const MIN_SPACING_MS = 200;
  const MAX_CHECK_MS = 60_000;

  /** The next free place in a queue of retries `spacingMs` apart, never before `now`. */
  function queueBehind(last: number | undefined, now: number, spacingMs: number): number {
    return Math.max(last ?? 0, now) + spacingMs;
  }

  function refill(now: number) {
    tokens = Math.min(burst, tokens + ((now - refilledAt) / 1000) * cfg.ratePerSecond);
    refilledAt = now;
  }

  return {
    /** A slot for one check of `tenant`, or when to ask again. */
    acquire(tenant: string): { release: () => void } | { retryAt: number } {
      const now = cfg.clock.now().getTime();
      const wait = backoff.get(tenant);
      if (wait && wait.until > now) return { retryAt: wait.until + Math.random() * 1000 };
      if ((running.get(tenant) ?? 0) >= cfg.tenantConcurrency) {
        const spacing = Math.max(MIN_SPACING_MS, checkMs / cfg.tenantConcurrency);
        const at = queueBehind(tenantQueue.get(tenant), now, spacing);
        tenantQueue.set(tenant, at);
        return { retryAt: at + Math.random() * spacing };
      }
      refill(now);
      if (tokens < 1) {
        rateQueue = queueBehind(rateQueue, now + ((1 - tokens) / cfg.ratePerSecond) * 1000, 0);
        const at = rateQueue;
        rateQueue += 1000 / cfg.ratePerSecond;
        return { retryAt: at + Math.random() * (1000 / cfg.ratePerSecond) };
      }
      tokens -= 1;
      // How long the check takes is real time (the business clock may be moved while it runs).
      const startedAt = performance.now();
      const n = (running.get(tenant) ?? 0) + 1;
      running.set(tenant, n);
      maxConcurrentPerTenant = Math.max(maxConcurrentPerTenant, n);
      let released = false;
      return {
        release: () => {
          if (released) return;
          released = true;
          checkMs = Math.min(MAX_CHECK_MS, 0.9 * checkMs + 0.1 * (performance.now() - startedAt));
          const left = (running.get(tenant) ?? 1) - 1;
          if (left <= 0) running.delete(tenant);
          else running.set(tenant, left);
        },
      };
    },

    /** Microsoft throttled this tenant: wait `Retry-After`, and at least a backoff that doubles each time. */
    slowDown(tenant: string, retryAfterMs: number | undefined) {
      throttled += 1;
      const level = (backoff.get(tenant)?.level ?? 0) + 1;
      const doubling = Math.min(cfg.intervalMs, 30_000 * 2 ** (level - 1));
      backoff.set(tenant, {
        until: cfg.clock.now().getTime() + Math.max(retryAfterMs ?? 0, doubling),
        level,
      });
    },

    /** A check of this tenant completed: its backoff ends. */
    ok(tenant: string) {
      backoff.delete(tenant);
    },

    stats: () => ({ maxConcurrentPerTenant, throttled }),
  };
}
export type HealthLimits = ReturnType<typeof createHealthLimits>;
