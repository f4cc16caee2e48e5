import fc from 'fast-check';

/** Values a hostile client puts in a body field. */
export const hostile = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ minLength: 1000, maxLength: 20_000 }),
  fc.constantFrom(
    '__proto__',
    'constructor',
    "'; drop table setups; --",
    '\u0000',
    '../../etc/passwd',
    '%00',
    '1e999',
    '💥'.repeat(100),
    '\ud800',
  ),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 20 }),
  fc.dictionary(fc.string({ maxLength: 20 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 10 }),
  fc.uuid().map(String),
);
/** Authorization headers for `path`: the right credential, one of the wrong kind, and malformed ones. */
export const hostileAuthorization = (
  path: string,
  valid: { setupToken: string; staff: string; apiKey: string },
) =>
  fc.oneof(
    fc.constant(path.startsWith('/api/v1/wizard') ? `Bearer ${valid.setupToken}` : `Bearer ${valid.staff}`),
    fc.constant(`Bearer ${valid.apiKey}`),
    fc.constantFrom(
      'Bearer',
      'Bearer kc_',
      `Bearer kc_${'a'.repeat(4000)}`,
      'Basic x',
      'Bearer a.b.c',
      'Bearer eyJhbGciOiJub25lIn0.e30.',
    ),
    fc.string({ maxLength: 100 }).map((s) => `Bearer ${s}`),
  );
