import { createHash, randomBytes } from 'node:crypto';
import { beforeAll, expect } from 'vitest';
import { emulator, useEmulator } from './emulator-fixture.ts';
import { call } from './helpers.ts';

export const LOGIN = 'https://login.microsoftonline.com';
export const SPA = 'http://localhost:5173/';
export const ORIGIN = 'http://localhost:5173';
export const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/** The wizard's app id and Contoso's tenant id in the file's emulator (live bindings, as `emulator` is). */
export let clientId: string;
export let tid: string;

/** The Entra suites' emulator: one per file, reset before each test, with the wizard app and Contoso at hand. */
export function useEntraEmulator(): void {
  useEmulator();
  beforeAll(() => {
    clientId = emulator.seed.apps.wizard.appId;
    tid = emulator.tenants.contoso;
  });
}

export function expectAadsts(json: Record<string, unknown>, error: string, code: number): void {
  expect(json.error).toBe(error);
  expect(json.error_codes).toEqual([code]);
  expect(String(json.error_description)).toMatch(
    new RegExp(`^AADSTS${code}: .+Trace ID: .+Correlation ID: .+Timestamp: `),
  );
  expect(json).toHaveProperty('trace_id');
  expect(json).toHaveProperty('correlation_id');
  expect(json).toHaveProperty('timestamp');
  expect(json.error_uri).toBe(`https://login.microsoftonline.com/error?code=${code}`);
}

export function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export function authorizeUrl(params: Record<string, string>, tenant = 'organizations'): string {
  const q = new URLSearchParams({
    client_id: clientId,
    response_type: 'code',
    redirect_uri: SPA,
    scope: 'https://graph.microsoft.com/Application.ReadWrite.All openid profile offline_access',
    response_mode: 'fragment',
    client_info: '1',
    state: 'eyJpZCI6IjEifQ==.verbatim',
    nonce: 'nonce-123',
    ...params,
  });
  return `${LOGIN}/${tenant}/oauth2/v2.0/authorize?${q.toString()}`;
}

export function fragmentOf(location: string | null): URLSearchParams {
  return new URLSearchParams((location ?? '').split('#')[1] ?? '');
}

/** Runs authorize → pick account → consent (accept, tenant-wide when offered) and returns the redirect's location. */
export async function signIn(
  user: string,
  params: Record<string, string>,
  opts: { tenantWide?: boolean; decision?: string } = {},
) {
  const first = await call(emulator, authorizeUrl(params));
  const txn = /name="txn" value="([^"]+)"/.exec(first.text)?.[1] ?? '';
  const picked = await call(emulator, `${LOGIN}/organizations/oauth2/v2.0/authorize/select`, {
    method: 'POST',
    headers: FORM,
    body: new URLSearchParams({ txn, user }).toString(),
  });
  const cookie = (picked.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  if (picked.status === 302) return { location: picked.headers.get('location'), cookie, consentHtml: '' };
  const txn2 = /name="txn" value="([^"]+)"/.exec(picked.text)?.[1] ?? '';
  const form = new URLSearchParams({ txn: txn2, decision: opts.decision ?? 'accept' });
  if (opts.tenantWide ?? true) form.set('tenant_wide', '1');
  const done = await call(emulator, `${LOGIN}/organizations/oauth2/v2.0/authorize/consent`, {
    method: 'POST',
    headers: FORM,
    body: form.toString(),
  });
  return { location: done.headers.get('location'), cookie, consentHtml: picked.text };
}

/** A refresh-token request from the SPA (its Origin), for `scope`. */
export function refresh(token: string, scope: string) {
  return call(emulator, `${LOGIN}/organizations/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { ...FORM, origin: ORIGIN },
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      client_id: clientId,
      refresh_token: token,
      scope,
    }).toString(),
  });
}

export async function redeem(
  code: string,
  verifier: string,
  headers: Record<string, string> = { origin: ORIGIN },
) {
  return call(emulator, `${LOGIN}/organizations/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { ...FORM, ...headers },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: clientId,
      code,
      redirect_uri: SPA,
      code_verifier: verifier,
      scope: 'https://graph.microsoft.com/Application.ReadWrite.All openid profile offline_access',
      client_info: '1',
    }).toString(),
  });
}
