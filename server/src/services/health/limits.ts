import type { Clock } from '../../lib/clock.ts';

/**
 * How fast health checks may go (per instance): at most `tenantConcurrency` checks of one tenant at a time, at most
 * `ratePerSecond` starts across all tenants (a token bucket), and a tenant Microsoft throttled (429 with
 * `Retry-After`) waits at least as long, and a backoff doubling from 30 s up to one check interval.
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
      if ((running.get(tenant) ?? 0) >= cfg.tenantConcurrency)
        return { retryAt: now + 200 + Math.random() * 800 };
      refill(now);
      if (tokens < 1)
        return { retryAt: now + ((1 - tokens) / cfg.ratePerSecond) * 1000 + Math.random() * 200 };
      tokens -= 1;
      const n = (running.get(tenant) ?? 0) + 1;
      running.set(tenant, n);
      maxConcurrentPerTenant = Math.max(maxConcurrentPerTenant, n);
      let released = false;
      return {
        release: () => {
          if (released) return;
          released = true;
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
