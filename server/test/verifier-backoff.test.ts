import { describe, expect, it } from 'vitest';
import { retryDelayMs } from '../src/services/verifier.ts';

/**
 * The verifier's wait between attempts while Microsoft catches up: the base doubled per attempt, capped, ±20 %
 * jitter, never sooner than `Retry-After`. The jitter is fixed here (the last argument) so each figure is exact;
 * `verification-edges.test.ts` checks that a real retry is scheduled that far ahead. (Issue 16: the arithmetic's
 * mutants survived every integration test, which cannot pin a random figure.)
 */
const config = { retryBaseMs: 300, retryMaxMs: 1_000 };

describe('retryDelayMs', () => {
  it('doubles the base after each attempt until the maximum caps it', () => {
    expect([1, 2, 3, 4, 10].map((attempt) => retryDelayMs(attempt, config, undefined, 0.5))).toEqual([
      300, 600, 1_000, 1_000, 1_000,
    ]);
  });

  it('an attempt number below 1 waits the base, never less', () => {
    expect(retryDelayMs(0, config, undefined, 0.5)).toBe(300);
    expect(retryDelayMs(-3, config, undefined, 0.5)).toBe(300);
  });

  it('jitters each wait between 80 % and 120 % of it', () => {
    expect(retryDelayMs(1, config, undefined, 0)).toBeCloseTo(240, 9);
    expect(retryDelayMs(1, config, undefined, 0.75)).toBeCloseTo(330, 9);
    expect(retryDelayMs(2, config, undefined, 0.25)).toBeCloseTo(540, 9);
    expect(retryDelayMs(3, config, undefined, 0.999)).toBeCloseTo(1_199.6, 9);
  });

  it('waits at least what Microsoft’s Retry-After asks, and the backoff when that is shorter', () => {
    expect(retryDelayMs(1, config, 5_000, 0.5)).toBe(5_000);
    expect(retryDelayMs(1, config, 100, 0.5)).toBe(300);
    expect(retryDelayMs(1, config, 0, 0.5)).toBe(300);
  });

  it('without a fixed jitter, spreads the waits over the jittered band and never leaves it', () => {
    const delays = Array.from({ length: 200 }, () => retryDelayMs(2, config, undefined));
    for (const delay of delays) {
      expect(delay).toBeGreaterThanOrEqual(480);
      expect(delay).toBeLessThan(720);
    }
    // Retries that all fell on one figure would arrive together; 200 draws from the band cover most of it (the chance
    // that they all land in a 120 ms stretch of the 240 ms band is below 2^-190).
    expect(Math.max(...delays) - Math.min(...delays)).toBeGreaterThan(120);
  });
});
