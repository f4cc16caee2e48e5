import { createHash, randomBytes } from 'node:crypto';
import { SignJWT, createLocalJWKSet, importPKCS8, jwtVerify, type JSONWebKeySet } from 'jose';
import { generate } from 'selfsigned';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../src/index.ts';
import { GRAPH, call, decodeClaims, tokenFor } from './support/helpers.ts';
import { eventually } from './support/eventually.ts';

const LOGIN = 'https://login.microsoftonline.com';
const SPA = 'http://localhost:5173/';
const ORIGIN = 'http://localhost:5173';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

let emulator: Emulator;
let clientId: string;
let tid: string;

beforeAll(async () => {
  emulator = await startEmulator();
  clientId = emulator.seed.apps.wizard.appId;
  tid = emulator.tenants.contoso;
});
afterAll(async () => {
  await emulator.close();
});
beforeEach(() => {
  emulator.control.reset();
});

function expectAadsts(json: Record<string, unknown>, error: string, code: number): void {
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

function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

function authorizeUrl(params: Record<string, string>, tenant = 'organizations'): string {
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

function fragmentOf(location: string | null): URLSearchParams {
  return new URLSearchParams((location ?? '').split('#')[1] ?? '');
}

/** Runs authorize → pick account → consent (accept, tenant-wide when offered) and returns the redirect's location. */
async function signIn(
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
function refresh(token: string, scope: string) {
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

async function redeem(code: string, verifier: string, headers: Record<string, string> = { origin: ORIGIN }) {
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

describe('Entra ID discovery endpoints', () => {
  it('serves OpenID configuration by GUID and verified domain with the tenant GUID in issuer and endpoints', async () => {
    for (const segment of [tid, 'contoso.com', 'contoso.onmicrosoft.com']) {
      const r = await call(emulator, `${LOGIN}/${segment}/v2.0/.well-known/openid-configuration`, {
        headers: { origin: ORIGIN },
      });
      expect(r.status).toBe(200);
      expect(r.json.issuer).toBe(`${LOGIN}/${tid}/v2.0`);
      expect(r.json.token_endpoint).toBe(`${LOGIN}/${tid}/oauth2/v2.0/token`);
      expect(r.json.authorization_endpoint).toBe(`${LOGIN}/${tid}/oauth2/v2.0/authorize`);
      expect(r.json.end_session_endpoint).toBe(`${LOGIN}/${tid}/oauth2/v2.0/logout`);
      expect(r.json.jwks_uri).toBe(`${LOGIN}/${tid}/discovery/v2.0/keys`);
      expect(r.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    }
  });

  it('keeps organizations/common in endpoints with the {tenantid} issuer template', async () => {
    for (const segment of ['organizations', 'common']) {
      const r = await call(emulator, `${LOGIN}/${segment}/v2.0/.well-known/openid-configuration`);
      expect(r.json.issuer).toBe(`${LOGIN}/{tenantid}/v2.0`);
      expect(r.json.token_endpoint).toBe(`${LOGIN}/${segment}/oauth2/v2.0/token`);
    }
  });

  it('builds metadata from the host the caller used (path-based localhost authority)', async () => {
    const r = await call(
      emulator,
      `${emulator.urls.authorityHost}/${tid}/v2.0/.well-known/openid-configuration`,
    );
    expect(r.json.issuer).toBe(`${emulator.urls.authorityHost}/${tid}/v2.0`);
  });

  it('serves v1 metadata with the sts.windows.net issuer', async () => {
    const r = await call(emulator, `${LOGIN}/${tid}/.well-known/openid-configuration`);
    expect(r.json.issuer).toBe(`https://sts.windows.net/${tid}/`);
  });

  it('answers an unknown tenant with AADSTS90002', async () => {
    const r = await call(emulator, `${LOGIN}/nowhere.example/v2.0/.well-known/openid-configuration`);
    expect(r.status).toBe(400);
    expectAadsts(r.json, 'invalid_tenant', 90002);
  });

  it('publishes a JWKS that verifies issued tokens', async () => {
    const jwks = await call(emulator, `${LOGIN}/${tid}/discovery/v2.0/keys`);
    const token = await tokenFor(
      emulator,
      'admin@contoso.com',
      'https://graph.microsoft.com/Application.ReadWrite.All',
    );
    const { payload, protectedHeader } = await jwtVerify(
      token,
      createLocalJWKSet(jwks.json as unknown as JSONWebKeySet),
    );
    expect(protectedHeader).toMatchObject({ alg: 'RS256', typ: 'JWT' });
    expect(payload.aud).toBe('https://graph.microsoft.com');
  });

  it('answers instance discovery for Microsoft hosts and for other hosts', async () => {
    const ms = await call(
      emulator,
      `${LOGIN}/common/discovery/instance?api-version=1.1&authorization_endpoint=${encodeURIComponent(`${LOGIN}/organizations/oauth2/v2.0/authorize`)}`,
    );
    expect(ms.json['api-version']).toBe('1.1');
    expect(ms.json.tenant_discovery_endpoint).toBe(
      `${LOGIN}/organizations/v2.0/.well-known/openid-configuration`,
    );
    expect(JSON.stringify(ms.json.metadata)).toContain('login.windows.net');
    const local = await call(
      emulator,
      `${LOGIN}/common/discovery/instance?api-version=1.1&authorization_endpoint=${encodeURIComponent(`https://${emulator.urls.knownAuthority}/x/oauth2/v2.0/authorize`)}`,
    );
    expect(local.json.metadata).toEqual([
      {
        preferred_network: emulator.urls.knownAuthority,
        preferred_cache: emulator.urls.knownAuthority,
        aliases: [emulator.urls.knownAuthority],
      },
    ]);
  });
});

describe('Entra ID authorize', () => {
  it('shows an error page (no redirect) for an unknown client and for a redirect URI that does not match exactly', async () => {
    const unknown = await call(emulator, authorizeUrl({ client_id: '11111111-1111-1111-1111-111111111111' }));
    expect(unknown.status).toBe(400);
    expect(unknown.text).toContain('AADSTS700016');
    const mismatch = await call(emulator, authorizeUrl({ redirect_uri: 'http://localhost:5173' }));
    expect(mismatch.status).toBe(400);
    expect(mismatch.text).toContain('AADSTS50011');
    expect(mismatch.headers.get('location')).toBeNull();
  });

  it('requires PKCE for SPA redirect URIs', async () => {
    const r = await call(emulator, authorizeUrl({}));
    expect(r.status).toBe(302);
    const f = fragmentOf(r.headers.get('location'));
    expect(f.get('error')).toBe('invalid_request');
    expect(f.get('error_description')).toMatch(/^AADSTS9002325:/);
    expect(f.get('state')).toBe('eyJpZCI6IjEifQ==.verbatim');
  });

  it('answers prompt=none without a session with login_required and the verbatim state', async () => {
    const { challenge } = pkce();
    const r = await call(
      emulator,
      authorizeUrl({ prompt: 'none', code_challenge: challenge, code_challenge_method: 'S256' }),
    );
    const f = fragmentOf(r.headers.get('location'));
    expect(f.get('error')).toBe('login_required');
    expect(f.get('error_description')).toMatch(/^AADSTS50058:/);
    expect(f.get('state')).toBe('eyJpZCI6IjEifQ==.verbatim');
  });

  it('shows an account picker listing seeded accounts', async () => {
    const { challenge } = pkce();
    const r = await call(
      emulator,
      authorizeUrl({ code_challenge: challenge, code_challenge_method: 'S256' }),
    );
    expect(r.status).toBe(200);
    expect(r.text).toContain('Pick an account');
    expect(r.text).toContain('admin@contoso.com');
    expect(r.text).toContain('Kantiv Connect');
  });

  it('signs in through the consent page and redeems the code with PKCE, Origin, nonce and client_info', async () => {
    const { verifier, challenge } = pkce();
    const { location, consentHtml, cookie } = await signIn('admin@contoso.com', {
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    expect(consentHtml).toContain('Permissions requested');
    expect(consentHtml).toContain('Read and write all applications');
    expect(consentHtml).toContain('Consent on behalf of your organization');
    expect(cookie).toMatch(/^ESTSAUTH=/);
    expect(location?.startsWith(`${SPA}#`)).toBe(true);
    const f = fragmentOf(location);
    expect(f.get('state')).toBe('eyJpZCI6IjEifQ==.verbatim');
    expect(f.get('session_state')).toBeTruthy();
    const clientInfo = JSON.parse(Buffer.from(f.get('client_info') ?? '', 'base64url').toString()) as Record<
      string,
      string
    >;
    expect(clientInfo).toEqual({ uid: emulator.seed.users.contosoAdmin.id, utid: tid });
    const code = f.get('code') ?? '';

    const noOrigin = await redeem(code, verifier, {});
    expect(noOrigin.status).toBe(400);
    expectAadsts(noOrigin.json, 'invalid_request', 9002327);
    const badVerifier = await redeem(code, 'wrong-verifier-wrong-verifier-wrong-verifier');
    expectAadsts(badVerifier.json, 'invalid_grant', 501481);

    const ok = await redeem(code, verifier);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(ok.json.token_type).toBe('Bearer');
    expect(typeof ok.json.expires_in).toBe('number');
    expect(typeof ok.json.ext_expires_in).toBe('number');
    expect(String(ok.json.scope)).toContain('Application.ReadWrite.All');
    expect(ok.json.refresh_token_expires_in).toBeLessThanOrEqual(86400);
    const id = decodeClaims(String(ok.json.id_token));
    expect(id).toMatchObject({
      aud: clientId,
      iss: `${LOGIN}/${tid}/v2.0`,
      tid,
      oid: emulator.seed.users.contosoAdmin.id,
      preferred_username: 'admin@contoso.com',
      name: 'Megan Bowen',
      nonce: 'nonce-123',
      ver: '2.0',
    });
    expect(id).toHaveProperty('login_hint');
    expect(id).toHaveProperty('sid');
    const at = decodeClaims(String(ok.json.access_token));
    expect(at).toMatchObject({
      aud: 'https://graph.microsoft.com',
      iss: `https://sts.windows.net/${tid}/`,
      ver: '1.0',
      appid: clientId,
      idtyp: 'user',
      tid,
    });
    expect(String(at.scp).split(' ')).toContain('Application.ReadWrite.All');
    expect(at.wids).toContain('158c047a-c907-4556-b7ef-446551a6b5f7');

    const again = await redeem(code, verifier);
    expectAadsts(again.json, 'invalid_grant', 54005);

    // The refresh token gets a second resource silently, is rotated, and refuses two resources at once.
    const rt1 = String(ok.json.refresh_token);
    const two = await refresh(
      rt1,
      'https://graph.microsoft.com/User.Read https://contoso.crm.dynamics.com/user_impersonation openid',
    );
    expectAadsts(two.json, 'invalid_scope', 28000);
    // Consent covered Graph only, so Dataverse needs interaction.
    const crm = await refresh(
      rt1,
      'https://contoso.crm.dynamics.com/user_impersonation openid profile offline_access',
    );
    expectAadsts(crm.json, 'invalid_grant', 65001);
    expect(crm.json.suberror).toBe('consent_required');
    const graph = await refresh(
      rt1,
      'https://graph.microsoft.com/Application.ReadWrite.All openid profile offline_access',
    );
    expect(graph.status).toBe(200);
    expect(graph.json.refresh_token).not.toBe(rt1);
    const reused = await refresh(
      rt1,
      'https://graph.microsoft.com/Application.ReadWrite.All openid profile offline_access',
    );
    expectAadsts(reused.json, 'invalid_grant', 9002313);

    // The session cookie now lets prompt=none succeed; logout ends it.
    const p2 = pkce();
    const silent = await call(
      emulator,
      authorizeUrl({ prompt: 'none', code_challenge: p2.challenge, code_challenge_method: 'S256' }),
      { headers: { cookie } },
    );
    expect(fragmentOf(silent.headers.get('location')).get('code')).toBeTruthy();
    const out = await call(
      emulator,
      `${LOGIN}/organizations/oauth2/v2.0/logout?post_logout_redirect_uri=${encodeURIComponent(SPA)}&state=bye`,
      { headers: { cookie } },
    );
    expect(out.status).toBe(302);
    expect(out.headers.get('location')).toBe(`${SPA}?state=bye`);
    const after = await call(
      emulator,
      authorizeUrl({ prompt: 'none', code_challenge: p2.challenge, code_challenge_method: 'S256' }),
      { headers: { cookie } },
    );
    expect(fragmentOf(after.headers.get('location')).get('error')).toBe('login_required');
  });

  it('answers a declined consent with access_denied AADSTS65004', async () => {
    const { challenge } = pkce();
    const { location } = await signIn(
      'admin@contoso.com',
      { code_challenge: challenge, code_challenge_method: 'S256' },
      { decision: 'cancel' },
    );
    const f = fragmentOf(location);
    expect(f.get('error')).toBe('access_denied');
    expect(f.get('error_description')).toMatch(/^AADSTS65004:/);
    expect(f.get('state')).toBe('eyJpZCI6IjEifQ==.verbatim');
  });

  it('declines automatically under the consent-declined scenario', async () => {
    emulator.control.setScenario({ name: 'consent-declined' });
    const { challenge } = pkce();
    const { location } = await signIn('admin@contoso.com', {
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    expect(fragmentOf(location).get('error')).toBe('access_denied');
  });

  it('asks a user without an admin role for admin approval (AADSTS90094)', async () => {
    const { challenge } = pkce();
    const first = await call(
      emulator,
      authorizeUrl({ code_challenge: challenge, code_challenge_method: 'S256' }),
    );
    const txn = /name="txn" value="([^"]+)"/.exec(first.text)?.[1] ?? '';
    const page = await call(emulator, `${LOGIN}/organizations/oauth2/v2.0/authorize/select`, {
      method: 'POST',
      headers: FORM,
      body: new URLSearchParams({ txn, user: 'user@contoso.com' }).toString(),
    });
    expect(page.text).toContain('Need admin approval');
    const txn2 = /name="txn" value="([^"]+)"/.exec(page.text)?.[1] ?? '';
    const back = await call(emulator, `${LOGIN}/organizations/oauth2/v2.0/authorize/consent`, {
      method: 'POST',
      headers: FORM,
      body: new URLSearchParams({ txn: txn2, decision: 'approval-required' }).toString(),
    });
    const f = fragmentOf(back.headers.get('location'));
    expect(f.get('error')).toBe('access_denied');
    expect(f.get('error_description')).toMatch(/^AADSTS90094:/);
  });

  it('treats an admin as unable to consent under admin-consent-required', async () => {
    emulator.control.setScenario({ name: 'admin-consent-required', user: 'admin@contoso.com' });
    const { challenge } = pkce();
    const { consentHtml } = await signIn(
      'admin@contoso.com',
      { code_challenge: challenge, code_challenge_method: 'S256' },
      { decision: 'approval-required' },
    );
    expect(consentHtml).toContain('Need admin approval');
  });

  it('signs in without pages under auto-sign-in and supports response_mode=form_post and query', async () => {
    emulator.control.setScenario({ name: 'auto-sign-in', user: 'admin@contoso.com' });
    const { challenge } = pkce();
    const post = await call(
      emulator,
      authorizeUrl({ code_challenge: challenge, code_challenge_method: 'S256', response_mode: 'form_post' }),
    );
    expect(post.status).toBe(200);
    expect(post.text).toContain(`action="${SPA}"`);
    expect(post.text).toContain('name="code"');
    const query = await call(
      emulator,
      authorizeUrl({ code_challenge: challenge, code_challenge_method: 'S256', response_mode: 'query' }),
    );
    expect(query.headers.get('location')).toMatch(/^http:\/\/localhost:5173\/\?code=/);
  });
});

describe('Entra ID consent helpers', () => {
  it('auto-sign-in refuses admin-only scopes for a user who cannot grant them (AADSTS90094)', async () => {
    emulator.control.setScenario({ name: 'auto-sign-in', user: 'user@contoso.com' });
    const { challenge } = pkce();
    const r = await call(
      emulator,
      authorizeUrl({ code_challenge: challenge, code_challenge_method: 'S256' }),
    );
    const f = fragmentOf(r.headers.get('location'));
    expect(f.get('error')).toBe('access_denied');
    expect(f.get('error_description')).toMatch(/^AADSTS90094:/);
  });

  it('grantConsent pre-consents a resource so a silent refresh-token request succeeds', async () => {
    const { verifier, challenge } = pkce();
    const { location } = await signIn('admin@contoso.com', {
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    const ok = await redeem(fragmentOf(location).get('code') ?? '', verifier);
    expect(ok.headers.get('x-ms-request-id')).toBeTruthy();
    emulator.control.grantConsent({
      tenant: 'contoso.com',
      resource: 'https://contoso.crm.dynamics.com',
      scopes: ['user_impersonation'],
    });
    const crm = await call(emulator, `${LOGIN}/organizations/oauth2/v2.0/token?client-request-id=cr-1`, {
      method: 'POST',
      headers: { ...FORM, origin: ORIGIN },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        client_id: clientId,
        refresh_token: String(ok.json.refresh_token),
        scope: 'https://contoso.crm.dynamics.com/user_impersonation openid profile offline_access',
      }).toString(),
    });
    expect(crm.status).toBe(200);
    expect(crm.headers.get('client-request-id')).toBe('cr-1');
    expect(crm.json.scope).toBe('https://contoso.crm.dynamics.com/user_impersonation openid profile');
    expect(decodeClaims(String(crm.json.access_token))).toMatchObject({
      aud: 'https://contoso.crm.dynamics.com',
      scp: 'user_impersonation',
    });
  });
});

describe('Entra ID Conditional Access: mfa-required', () => {
  it('refuses a refresh token for the protected app with AADSTS50076 and a claims challenge until an interactive sign-in for it', async () => {
    const { verifier, challenge } = pkce();
    const { location, cookie } = await signIn('admin@contoso.com', {
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    const ok = await redeem(fragmentOf(location).get('code') ?? '', verifier);
    emulator.control.grantConsent({
      tenant: 'contoso.com',
      resource: 'https://contoso.crm.dynamics.com',
      scopes: ['user_impersonation'],
    });
    emulator.control.setScenario({ name: 'mfa-required', resource: 'dataverse', user: 'admin@contoso.com' });

    const refused = await refresh(
      String(ok.json.refresh_token),
      'https://contoso.crm.dynamics.com/user_impersonation openid profile offline_access',
    );
    expect(refused.status).toBe(400);
    expectAadsts(refused.json, 'interaction_required', 50076);
    expect(refused.json.error_description).toContain("to access '00000007-0000-0000-c000-000000000000'");
    expect(refused.json.suberror).toBe('basic_action');
    expect(JSON.parse(String(refused.json.claims))).toMatchObject({
      access_token: { capolids: { essential: true, values: [expect.any(String)] } },
    });
    // Global Discovery belongs to the same app; Graph is not covered by this policy.
    expect(
      (
        await refresh(
          String(ok.json.refresh_token),
          'https://globaldisco.crm.dynamics.com/user_impersonation openid profile offline_access',
        )
      ).json.error,
    ).toBe('interaction_required');
    const graph = await refresh(
      String(ok.json.refresh_token),
      'https://graph.microsoft.com/Application.ReadWrite.All openid profile offline_access',
    );
    expect(graph.status).toBe(200);

    // A silent authorize (prompt=none, with the session) cannot satisfy it either.
    const crmScope = 'https://contoso.crm.dynamics.com/user_impersonation openid profile offline_access';
    const silent = await call(
      emulator,
      authorizeUrl({
        scope: crmScope,
        prompt: 'none',
        code_challenge: challenge,
        code_challenge_method: 'S256',
      }),
      { headers: { cookie } },
    );
    const f = fragmentOf(silent.headers.get('location'));
    expect(f.get('error')).toBe('interaction_required');
    expect(f.get('error_description')).toMatch(/^AADSTS50076:/);

    // An interactive sign-in for the app is where the user completes MFA; its refresh token then works.
    const second = pkce();
    const interactive = await call(
      emulator,
      authorizeUrl({ scope: crmScope, code_challenge: second.challenge, code_challenge_method: 'S256' }),
      { headers: { cookie } },
    );
    const code = fragmentOf(interactive.headers.get('location')).get('code');
    expect(code).toBeTruthy();
    const after = await refresh(
      String(graph.json.refresh_token),
      'https://contoso.crm.dynamics.com/user_impersonation openid profile offline_access',
    );
    expect(after.status).toBe(200);
    expect(decodeClaims(String(after.json.access_token))).toMatchObject({
      aud: 'https://contoso.crm.dynamics.com',
    });
  });
});

describe('Entra ID admin consent endpoint', () => {
  const url = (tenant: string) =>
    `${LOGIN}/${tenant}/v2.0/adminconsent?${new URLSearchParams({
      client_id: clientId,
      scope: 'https://graph.microsoft.com/.default https://globaldisco.crm.dynamics.com/.default',
      redirect_uri: SPA,
      state: 'ac-1',
    }).toString()}`;

  async function pickAndAnswer(user: string, decision: string) {
    const picker = await call(emulator, url('contoso.com'));
    const txn = /name="txn" value="([^"]+)"/.exec(picker.text)?.[1] ?? '';
    const page = await call(emulator, `${LOGIN}/contoso.com/oauth2/v2.0/authorize/select`, {
      method: 'POST',
      headers: FORM,
      body: new URLSearchParams({ txn, user }).toString(),
    });
    const txn2 = /name="txn" value="([^"]+)"/.exec(page.text)?.[1] ?? '';
    const done = await call(emulator, `${LOGIN}/contoso.com/oauth2/v2.0/authorize/consent`, {
      method: 'POST',
      headers: FORM,
      body: new URLSearchParams({ txn: txn2, decision }).toString(),
    });
    return { page: page.text, location: new URL(done.headers.get('location') ?? 'http://invalid/') };
  }

  it('lets an administrator grant the app tenant-wide and reports admin_consent=True', async () => {
    const { page, location } = await pickAndAnswer('admin@contoso.com', 'accept');
    expect(page).toContain('You are granting these permissions for everyone in Contoso');
    expect(page).toContain('Read and write all applications');
    expect(location.searchParams.get('admin_consent')).toBe('True');
    expect(location.searchParams.get('tenant')).toBe(tid);
    expect(location.searchParams.get('state')).toBe('ac-1');
    const grants = emulator.control
      .state()
      .grants.filter((g) => g.tenantId === tid && g.clientAppId === clientId);
    expect(grants.every((g) => g.consentType === 'AllPrincipals')).toBe(true);
    expect(grants.flatMap((g) => g.scopes).sort()).toEqual([
      'Application.ReadWrite.All',
      'User.Read',
      'user_impersonation',
    ]);
  });

  it('reports a cancelled admin consent and asks non-admins for approval', async () => {
    const cancelled = await pickAndAnswer('admin@contoso.com', 'cancel');
    expect(cancelled.location.searchParams.get('error')).toBe('access_denied');
    expect(cancelled.location.searchParams.get('admin_consent')).toBe('False');
    const plain = await pickAndAnswer('user@contoso.com', 'approval-required');
    expect(plain.page).toContain('Need admin approval');
    expect(plain.location.searchParams.get('error_description')).toMatch(/^AADSTS90094:/);
  });
});

describe('Entra ID web (confidential) clients', () => {
  it('refuses cross-origin redemption of a web-platform code without CORS headers, and requires the client secret', async () => {
    const graph = await tokenFor(emulator, 'admin@contoso.com', 'https://graph.microsoft.com/.default');
    const web = 'https://backend.example/callback';
    const app = await call(emulator, `${GRAPH}/applications`, {
      method: 'POST',
      token: graph,
      body: { displayName: 'Web app', signInAudience: 'AzureADMyOrg', web: { redirectUris: [web] } },
    });
    const appId = String(app.json.appId);
    const secret = await call(emulator, `${GRAPH}/applications/${String(app.json.id)}/addPassword`, {
      method: 'POST',
      token: graph,
      body: {},
    });
    emulator.control.setScenario({ name: 'auto-sign-in', user: 'admin@contoso.com' });
    const authorize = `${LOGIN}/${tid}/oauth2/v2.0/authorize?${new URLSearchParams({ client_id: appId, response_type: 'code', redirect_uri: web, scope: 'openid https://graph.microsoft.com/User.Read', state: 's' }).toString()}`;
    const code = () =>
      call(emulator, authorize).then(
        (r) => new URL(r.headers.get('location') ?? '').searchParams.get('code') ?? '',
      );
    const redeemWeb = async (headers: Record<string, string>, extra: Record<string, string> = {}) =>
      call(emulator, `${LOGIN}/${tid}/oauth2/v2.0/token`, {
        method: 'POST',
        headers: { ...FORM, ...headers },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          client_id: appId,
          code: await code(),
          redirect_uri: web,
          ...extra,
        }).toString(),
      });
    const cross = await redeemWeb({ origin: ORIGIN }, { client_secret: String(secret.json.secretText) });
    expectAadsts(cross.json, 'invalid_request', 9002326);
    expect(cross.headers.get('access-control-allow-origin')).toBeNull();
    expectAadsts((await redeemWeb({})).json, 'invalid_client', 7000218);
    expectAadsts((await redeemWeb({}, { client_secret: 'wrong' })).json, 'invalid_client', 7000215);
    const ok = await redeemWeb({}, { client_secret: String(secret.json.secretText) });
    expect(ok.status).toBe(200);
    expect(decodeClaims(String(ok.json.access_token))).toMatchObject({
      aud: 'https://graph.microsoft.com',
      appid: appId,
    });
  });
});

describe('Entra ID token endpoint: client credentials', () => {
  async function newApp(): Promise<{ id: string; appId: string }> {
    const graph = await tokenFor(emulator, 'admin@contoso.com', 'https://graph.microsoft.com/.default');
    const app = await call(emulator, `${GRAPH}/applications`, {
      method: 'POST',
      token: graph,
      body: { displayName: 'cc test', signInAudience: 'AzureADMyOrg' },
    });
    await call(emulator, `${GRAPH}/servicePrincipals`, {
      method: 'POST',
      token: graph,
      body: { appId: app.json.appId },
    });
    return { id: String(app.json.id), appId: String(app.json.appId) };
  }
  const cc = (params: Record<string, string>, tenant = tid) =>
    call(emulator, `${LOGIN}/${tenant}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: FORM,
      body: new URLSearchParams({ grant_type: 'client_credentials', ...params }).toString(),
    });

  it('rejects scopes without /.default, unknown resources, unknown clients, missing credentials and tenant-less authorities', async () => {
    const { appId } = await newApp();
    expectAadsts(
      (await cc({ client_id: appId, client_secret: 'x', scope: 'https://graph.microsoft.com/User.Read' }))
        .json,
      'invalid_scope',
      1002012,
    );
    expectAadsts(
      (await cc({ client_id: appId, client_secret: 'x', scope: 'https://nothing.example.com/.default' }))
        .json,
      'invalid_resource',
      500011,
    );
    const unknown = await cc({
      client_id: '22222222-2222-2222-2222-222222222222',
      client_secret: 'x',
      scope: 'https://graph.microsoft.com/.default',
    });
    expectAadsts(unknown.json, 'unauthorized_client', 700016);
    expect(String(unknown.json.error_description)).toContain("was not found in the directory 'Contoso'");
    expectAadsts(
      (await cc({ client_id: appId, scope: 'https://graph.microsoft.com/.default' })).json,
      'invalid_client',
      7000218,
    );
    expectAadsts(
      (
        await cc(
          { client_id: appId, client_secret: 'x', scope: 'https://graph.microsoft.com/.default' },
          'organizations',
        )
      ).json,
      'invalid_request',
      50059,
    );
    expectAadsts(
      (
        await cc(
          { client_id: appId, client_secret: 'x', scope: 'https://graph.microsoft.com/.default' },
          'nowhere.example',
        )
      ).json,
      'invalid_request',
      90002,
    );
  });

  it('accepts a certificate client_assertion registered in keyCredentials', async () => {
    const { id, appId } = await newApp();
    const cert = await generate([{ name: 'commonName', value: 'kantiv-cc' }], {
      keySize: 2048,
      algorithm: 'sha256',
    });
    const der = Buffer.from(cert.cert.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    const graph = await tokenFor(emulator, 'admin@contoso.com', 'https://graph.microsoft.com/.default');
    const patched = await call(emulator, `${GRAPH}/applications/${id}`, {
      method: 'PATCH',
      token: graph,
      body: {
        keyCredentials: [
          {
            type: 'AsymmetricX509Cert',
            usage: 'Verify',
            key: der.toString('base64'),
            displayName: 'CN=kantiv-cc',
          },
        ],
      },
    });
    expect(patched.status).toBe(204);
    const listed = await call(emulator, `${GRAPH}/applications/${id}?$select=keyCredentials`, {
      token: graph,
    });
    const listedKey = (listed.json.keyCredentials as { key: unknown; customKeyIdentifier: unknown }[])[0];
    expect(listedKey?.key).toBeNull();
    expect(typeof listedKey?.customKeyIdentifier).toBe('string');

    const key = await importPKCS8(cert.private, 'RS256');
    const assertion = (aud: string) =>
      new SignJWT({ jti: randomBytes(8).toString('hex') })
        .setProtectedHeader({
          alg: 'RS256',
          typ: 'JWT',
          x5t: createHash('sha1').update(der).digest('base64url'),
        })
        .setIssuer(appId)
        .setSubject(appId)
        .setAudience(aud)
        .setIssuedAt()
        .setNotBefore(Math.floor(Date.now() / 1000) - 60)
        .setExpirationTime('10m')
        .sign(key);
    const type = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
    const ok = await cc({
      client_id: appId,
      client_assertion_type: type,
      client_assertion: await assertion(`${LOGIN}/${tid}/oauth2/v2.0/token`),
      scope: 'https://contoso.crm.dynamics.com/.default',
    });
    expect(ok.status).toBe(200);
    expect(decodeClaims(String(ok.json.access_token))).toMatchObject({
      appidacr: '2',
      idtyp: 'app',
      aud: 'https://contoso.crm.dynamics.com',
    });
    expect(ok.json).not.toHaveProperty('refresh_token');
    expect(ok.json).not.toHaveProperty('id_token');
    const wrongAud = await cc({
      client_id: appId,
      client_assertion_type: type,
      client_assertion: await assertion('https://elsewhere.example/token'),
      scope: 'https://graph.microsoft.com/.default',
    });
    expectAadsts(wrongAud.json, 'invalid_client', 700212);
  });

  it('fails with AADSTS700016 while a new app is replicating, then succeeds', async () => {
    emulator.control.setScenario({ name: 'replication-delay', seconds: 2 });
    const graph = await tokenFor(emulator, 'admin@contoso.com', 'https://graph.microsoft.com/.default');
    const app = await call(emulator, `${GRAPH}/applications`, {
      method: 'POST',
      token: graph,
      body: { displayName: 'replicating', signInAudience: 'AzureADMyOrg' },
    });
    const appId = String(app.json.appId);
    const secret = await call(emulator, `${GRAPH}/applications/${String(app.json.id)}/addPassword`, {
      method: 'POST',
      token: graph,
      body: {},
    });
    const form = {
      client_id: appId,
      client_secret: String(secret.json.secretText),
      scope: 'https://graph.microsoft.com/.default',
    };
    expectAadsts((await cc(form)).json, 'unauthorized_client', 700016);
    // The service principal can only be created once the app has replicated, and then replicates itself.
    await eventually(
      () => call(emulator, `${GRAPH}/servicePrincipals`, { method: 'POST', token: graph, body: { appId } }),
      (r) => r.status === 201,
    );
    expectAadsts((await cc(form)).json, 'unauthorized_client', 700016);
    const late = await eventually(
      () => cc(form),
      (r) => r.status === 200,
    );
    expect(decodeClaims(String(late.json.access_token)).appid).toBe(appId);
  });

  it('answers 429 with Retry-After under the throttle scenario, once', async () => {
    emulator.control.setScenario({ name: 'throttle', service: 'entra', retryAfterSeconds: 7, times: 1 });
    const r = await cc({
      client_id: clientId,
      client_secret: 'x',
      scope: 'https://graph.microsoft.com/.default',
    });
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('7');
    const next = await cc({
      client_id: clientId,
      client_secret: 'x',
      scope: 'https://graph.microsoft.com/.default',
    });
    expect(next.status).not.toBe(429);
  });
});
