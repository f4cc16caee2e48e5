import { describe, expect, it } from 'vitest';
import { createMovableClock } from '../src/lib/clock.ts';
import { createHealthLimits } from '../src/services/health/limits.ts';

/**
 * A refused check comes back at `retryAt`. A backlog must be spread over the time the limit needs to work through it:
 * when every refused check came back at about the same moment, each was refused again, and the bouncing (a claim and
 * a write per bounce) took the event loop from the API.
 */
const start = new Date('2026-12-04T10:00:00Z');

function refusals(n: number, acquire: () => { retryAt: number } | { release: () => void }): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i += 1) {
    const slot = acquire();
    if (!('retryAt' in slot)) throw new Error('expected a refusal');
    out.push(slot.retryAt - start.getTime());
  }
  return out;
}

describe('health check limits', () => {
  it("spreads a busy tenant's refused checks one after another, not all in the next second", () => {
    const clock = createMovableClock(start);
    const limits = createHealthLimits({
      tenantConcurrency: 2,
      ratePerSecond: 1_000,
      intervalMs: 3_600_000,
      clock,
    });
    limits.acquire('contoso');
    limits.acquire('contoso');
    const at = refusals(50, () => limits.acquire('contoso'));
    // 50 checks waiting behind 2 slots: the last is told to come back well after the first.
    expect(Math.max(...at) - Math.min(...at)).toBeGreaterThan(5_000);
    expect(at.filter((ms) => ms < 1_000).length).toBeLessThanOrEqual(5);
    // Another tenant is not queued behind Contoso's backlog.
    expect('release' in limits.acquire('fabrikam')).toBe(true);
  });

  it('spreads checks refused by the global rate at that rate', () => {
    const clock = createMovableClock(start);
    const limits = createHealthLimits({
      tenantConcurrency: 100,
      ratePerSecond: 20,
      intervalMs: 3_600_000,
      clock,
    });
    // The burst (20 tokens) goes to 20 tenants; the next 200 checks are refused by the rate.
    for (let i = 0; i < 20; i += 1) expect('release' in limits.acquire(`t${i}`)).toBe(true);
    const at = refusals(200, () => limits.acquire('t-next'));
    // 200 checks at 20 per second need about 10 s: they are told so, in order.
    expect(Math.max(...at)).toBeGreaterThan(9_000);
    expect(at.filter((ms) => ms < 1_000).length).toBeLessThanOrEqual(25);
  });
});
