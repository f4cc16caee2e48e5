import { describe, expect, it } from 'vitest';
import { emulator } from './support/emulator-fixture.ts';
import { FORM, LOGIN, ORIGIN, clientId, expectAadsts, useEntraEmulator } from './support/entra.ts';
import { authorizeUrl, fragmentOf, pkce, redeem, refresh, signIn } from './support/entra-sign-in.ts';
import { call, decodeClaims } from './support/helpers.ts';

useEntraEmulator();

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
