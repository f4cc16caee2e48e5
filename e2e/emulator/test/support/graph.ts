import { beforeEach, expect } from 'vitest';
import { emulator, useEmulator } from './emulator-fixture.ts';
import { GRAPH, call, errorOf, tokenFor } from './helpers.ts';

/** Contoso's administrator's Graph token, issued afresh before each test (a live binding, as `emulator` is). */
export let admin: string;

/** The Graph suites' emulator: one per file, reset before each test, then an administrator's token. */
export function useGraphEmulator(): void {
  useEmulator();
  beforeEach(async () => {
    admin = await tokenFor(
      emulator,
      'admin@contoso.com',
      'https://graph.microsoft.com/Application.ReadWrite.All User.Read',
    );
  });
}

export function expectGraphError(r: Awaited<ReturnType<typeof call>>, status: number, code: string): void {
  expect(r.status).toBe(status);
  const e = errorOf(r);
  expect(e.code).toBe(code);
  expect(typeof e.message).toBe('string');
  expect(e.innerError?.['request-id']).toEqual(expect.any(String));
  expect(e.innerError?.date).toEqual(expect.any(String));
  expect(e.innerError?.['client-request-id']).toEqual(expect.any(String));
  expect(r.headers.get('request-id')).toBe(e.innerError?.['request-id']);
}

export async function createApp(
  body: Record<string, unknown> = { displayName: 'Kantiv Dataverse Connector' },
) {
  return call(emulator, `${GRAPH}/applications`, { method: 'POST', token: admin, body });
}
