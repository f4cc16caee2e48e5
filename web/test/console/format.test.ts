import { describe, expect, it } from 'vitest';
import { expiryText, formatDuration, secretExpiryWarning } from '../../src/features/console/lib/format.ts';

const now = Date.parse('2026-11-28T04:00:00.000Z');
const days = (n: number) => new Date(now + n * 24 * 60 * 60 * 1000).toISOString();

describe('secretExpiryWarning', () => {
  it('warns about a secret expiring within 30 days', () => {
    expect(secretExpiryWarning(days(30), now)).toEqual({ level: 'soon', days: 30 });
    expect(expiryText(secretExpiryWarning(days(1), now))).toBe('Secret expires in 1 day');
  });
  it('says nothing about a secret with more than 30 days left, or none at all', () => {
    expect(secretExpiryWarning(days(31), now)).toBeNull();
    expect(secretExpiryWarning(undefined, now)).toBeNull();
  });
  it('counts whole days as a person would, whatever the page clock lags (it ticks once a minute)', () => {
    const minute = 60_000;
    expect(secretExpiryWarning(days(14), now - minute)).toEqual({ level: 'soon', days: 14 });
    expect(secretExpiryWarning(days(14), now + minute)).toEqual({ level: 'soon', days: 14 });
    expect(secretExpiryWarning(days(0.1), now)).toEqual({ level: 'soon', days: 1 });
  });
  it('flags an expired secret', () => {
    expect(expiryText(secretExpiryWarning(days(-2), now))).toBe('Secret expired');
  });
});

describe('formatDuration', () => {
  it('reads naturally from milliseconds to hours', () => {
    expect(formatDuration(420)).toBe('420 ms');
    expect(formatDuration(12_400)).toBe('12 s');
    expect(formatDuration(125_000)).toBe('2 min 5 s');
    expect(formatDuration(3_900_000)).toBe('1 h 5 min');
  });
});
