/** The SPA's sign-in as a browser drives it: authorize, account picker, consent, code and refresh redemption. */
import { createHash, randomBytes } from 'node:crypto';
import { emulator } from './emulator-fixture.ts';
import { FORM, LOGIN, ORIGIN, SPA, clientId } from './entra.ts';
import { call } from './helpers.ts';

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
