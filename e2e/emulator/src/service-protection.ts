import { dvError } from './dataverse/access.ts';
import type { Reply } from './http.ts';

/** Dataverse's service protection limits per user and web server (FIDELITY.md F18-2), on by default. */
export const DATAVERSE_LIMITS = { requestsPerWindow: 6000, windowMs: 300_000, concurrent: 52 };

/**
 * The load a run put on the emulator, counted where requests are answered: how many requests of one tenant were
 * in flight at once (the most ever seen), and how many were throttled (429). Plus Dataverse's service protection
 * limits: per caller (token `oid`) and environment, at most 52 concurrent requests and 6,000 in a sliding window of
 * 300 seconds; beyond either, 429 with `Retry-After` and Dataverse's own error code. Real time, not the emulator's
 * movable clock: moving the clock for credential expiry must not empty the window.
 */
export function createLoadMeter(limits = DATAVERSE_LIMITS) {
  const inFlight = new Map<string, number>();
  const callers = new Map<string, { inFlight: number; times: number[]; head: number }>();
  let maxConcurrentPerTenant = 0;
  let throttled = 0;
  let requests = 0;

  function dataverseLimit(key: string): Reply | null {
    let c = callers.get(key);
    if (!c) callers.set(key, (c = { inFlight: 0, times: [], head: 0 }));
    const now = Date.now();
    while (c.head < c.times.length && c.times[c.head]! <= now - limits.windowMs) c.head += 1;
    if (c.head > 1024) {
      c.times = c.times.slice(c.head);
      c.head = 0;
    }
    if (c.inFlight >= limits.concurrent)
      return retryAfter(
        dvError(
          429,
          '0x80072326',
          `Number of concurrent requests exceeded the limit of ${limits.concurrent}.`,
        ),
        1,
      );
    if (c.times.length - c.head >= limits.requestsPerWindow) {
      const wait = Math.ceil((c.times[c.head]! + limits.windowMs - now) / 1000);
      return retryAfter(
        dvError(
          429,
          '0x80072322',
          `Number of requests exceeded the limit of ${limits.requestsPerWindow} over time window of ${limits.windowMs / 1000} seconds.`,
        ),
        Math.max(1, wait),
      );
    }
    c.times.push(now);
    return null;
  }

  return {
    /**
     * A request arrives: `tenant` (from its token or path) and, for Dataverse, the caller's key. Returns the
     * throttling answer if a limit is exceeded, and `done` to call once it was answered.
     */
    enter(tenant: string | undefined, dataverseCaller: string | undefined) {
      requests += 1;
      const refused = dataverseCaller ? dataverseLimit(dataverseCaller) : null;
      if (tenant) {
        const n = (inFlight.get(tenant) ?? 0) + 1;
        inFlight.set(tenant, n);
        if (n > maxConcurrentPerTenant) maxConcurrentPerTenant = n;
      }
      const caller = dataverseCaller && !refused ? callers.get(dataverseCaller) : undefined;
      if (caller) caller.inFlight += 1;
      return {
        refused,
        done(status: number) {
          if (status === 429) throttled += 1;
          if (caller) caller.inFlight -= 1;
          if (!tenant) return;
          const left = (inFlight.get(tenant) ?? 1) - 1;
          if (left <= 0) inFlight.delete(tenant);
          else inFlight.set(tenant, left);
        },
      };
    },
    stats: () => ({ requests, maxConcurrentPerTenant, throttled }),
    reset() {
      maxConcurrentPerTenant = 0;
      throttled = 0;
      requests = 0;
      callers.clear();
    },
  };
}
export type LoadMeter = ReturnType<typeof createLoadMeter>;

function retryAfter(reply: Reply, seconds: number): Reply {
  return { ...reply, headers: { ...reply.headers, 'retry-after': String(seconds) } };
}
