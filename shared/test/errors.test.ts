import { describe, expect, it } from 'vitest';
import { ApiErrorSchema } from '../src/errors.ts';

describe('ApiErrorSchema', () => {
  it('accepts the one error shape with an optional details field', () => {
    const parsed = ApiErrorSchema.parse({ error: { code: 'not_found', message: 'No such setup.' } });
    expect(parsed.error.code).toBe('not_found');
  });

  it('rejects a code outside the closed list', () => {
    const result = ApiErrorSchema.safeParse({ error: { code: 'oops', message: 'x' } });
    expect(result.success).toBe(false);
  });
});
