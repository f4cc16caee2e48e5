import { describe, expect, it } from 'vitest';
import { emulator } from './support/emulator-fixture.ts';
import { FORM, LOGIN, ORIGIN, SPA, clientId, expectAadsts, tid, useEntraEmulator } from './support/entra.ts';
import { authorizeUrl, fragmentOf, pkce, redeem, refresh, signIn } from './support/entra-sign-in.ts';
import { call, decodeClaims } from './support/helpers.ts';

useEntraEmulator();

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

  it("shows AADSTS50020 on Microsoft's own page, with no way back to the app, when an account of another organization signs in at a tenant's authority", async () => {
    const { challenge } = pkce();
    const params = { code_challenge: challenge, code_challenge_method: 'S256', response_mode: 'query' };
    emulator.control.setScenario({ name: 'auto-sign-in', user: 'admin@contoso.com' });
    const auto = await call(emulator, authorizeUrl(params, 'fabrikam.com'));
    expect(auto.status).toBe(400);
    expect(auto.headers.get('location')).toBeNull();
    expect(auto.text).toContain("Sorry, but we're having trouble signing you in.");
    expect(auto.text).toMatch(
      /AADSTS50020: User account &#39;admin@contoso\.com&#39; from identity provider &#39;https:\/\/sts\.windows\.net\/[0-9a-f-]+\/&#39; does not exist in tenant &#39;Fabrikam[^&]*&#39; and cannot access the application/,
    );
    emulator.control.clearScenarios();
    // The same through the account picker (the account typed at Fabrikam's sign-in page).
    const picker = await call(emulator, authorizeUrl(params, 'fabrikam.com'));
    const txn = /name="txn" value="([^"]+)"/.exec(picker.text)?.[1] ?? '';
    const picked = await call(emulator, `${LOGIN}/fabrikam.com/oauth2/v2.0/authorize/select`, {
      method: 'POST',
      headers: FORM,
      body: new URLSearchParams({ txn, user: 'admin@contoso.com' }).toString(),
    });
    expect(picked.status).toBe(400);
    expect(picked.headers.get('location')).toBeNull();
    expect(picked.text).toContain('AADSTS50020');
    // A guest of Contoso is no stranger there: its sign-in goes on.
    emulator.control.setScenario({ name: 'auto-sign-in', user: 'consultant@fabrikam.com' });
    const guest = await call(emulator, authorizeUrl(params, 'contoso.com'));
    expect(guest.text).not.toContain('AADSTS50020');
  });
});

describe('PIM activation', () => {
  const CLOUD_APP_ADMIN = '158c047a-c907-4556-b7ef-446551a6b5f7';
  const SCOPE = 'https://graph.microsoft.com/Application.ReadWrite.All openid profile offline_access';

  async function signInAt(user: string) {
    emulator.control.setScenario({ name: 'auto-sign-in', user });
    const { verifier, challenge } = pkce();
    const r = await call(
      emulator,
      authorizeUrl(
        { code_challenge: challenge, code_challenge_method: 'S256', response_mode: 'query' },
        'contoso.com',
      ),
    );
    emulator.control.clearScenarios();
    const code = new URL(r.headers.get('location') ?? 'http://invalid/').searchParams.get('code') ?? '';
    const t = await redeem(code, verifier);
    expect(t.status).toBe(200);
    return t.json as { access_token: string; refresh_token: string };
  }

  const createApp = (token: string) =>
    call(emulator, 'https://graph.microsoft.com/v1.0/applications', {
      method: 'POST',
      token,
      body: { displayName: 'PIM probe' },
    });

  it('counts a role activated through POST /_emulator/pim/activate only for sign-ins after it: a refreshed token of the earlier sign-in still lacks it', async () => {
    emulator.control.grantConsent({
      tenant: tid,
      resource: 'https://graph.microsoft.com',
      scopes: ['Application.ReadWrite.All', 'User.Read'],
    });
    const before = await signInAt('pim@contoso.com');
    expect(decodeClaims(before.access_token).wids).not.toContain(CLOUD_APP_ADMIN);
    expect((await createApp(before.access_token)).status).toBe(403);

    const activated = await call(emulator, `${emulator.urls.control}/pim/activate`, {
      method: 'POST',
      body: { user: 'pim@contoso.com' },
    });
    expect(activated.status).toBe(200);
    expect(activated.json.roles).toEqual(['Cloud Application Administrator']);

    // The old token, and a new one refreshed from the same sign-in: still without the role, and Graph refuses.
    expect((await createApp(before.access_token)).status).toBe(403);
    const refreshed = await refresh(before.refresh_token, SCOPE);
    expect(refreshed.status).toBe(200);
    const refreshedToken = (refreshed.json as { access_token: string }).access_token;
    expect(decodeClaims(refreshedToken).wids).not.toContain(CLOUD_APP_ADMIN);
    expect((await createApp(refreshedToken)).status).toBe(403);

    // Signed in again: the role is in wids and Graph honours it.
    const after = await signInAt('pim@contoso.com');
    expect(decodeClaims(after.access_token).wids).toContain(CLOUD_APP_ADMIN);
    expect((await createApp(after.access_token)).status).toBe(201);

    const none = await call(emulator, `${emulator.urls.control}/pim/activate`, {
      method: 'POST',
      body: { user: 'admin@contoso.com' },
    });
    expect(none.status).toBe(400);
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
