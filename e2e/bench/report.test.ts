import { describe, expect, it } from 'vitest';
import { formatTable } from './report.ts';

describe('formatTable', () => {
  it('aligns columns and rounds fractional numbers to two places', () => {
    const out = formatTable([
      { target: 'status', rps: 1234.5678 },
      { target: 'bare', rps: 99 },
    ]).split('\n');
    expect(out[0]).toBe('target  rps');
    expect(out[2]).toBe('status  1234.57');
    expect(out[3]).toBe('bare    99');
  });
});
