import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumLaunchOptions } from '../src/browser.ts';
import { startEmulator, type Emulator } from '../src/index.ts';
import { GRAPH, call, decodeClaims, tokenFor } from './support/helpers.ts';
import { startSpaServer, type SpaServer } from './spa-server.ts';

let emulator: Emulator;
let spa: SpaServer;
let browser: Browser;

beforeAll(async () => {
  emulator = await startEmulator();
  spa = await startSpaServer();
  emulator.control.addSpaRedirectUri(`${spa.origin}/`);
  emulator.control.addSpaRedirectUri(`${spa.origin}/redirect.html`);
  browser = await chromium.launch(chromiumLaunchOptions(emulator.chromiumArgs));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await spa?.close();
  await emulator?.close();
});

interface Tokens {
  graph: string;
  discovery: string;
  org: string;
  username: string;
  tenantId: string;
  /** Status and ids of `GET /v1.0/applications`: the admin's own tenant's apps, read with the Graph token. */
  apps: { status: number; ids: string[] };
  instances: { FriendlyName: string; IsUserSysAdmin: boolean; TenantId: string }[];
  whoamiStatus: number;
}

async function signInAndUseTokens(
  page: Page,
  authority: string,
  knownAuthorities: string[],
): Promise<Tokens> {
  await page.goto(`${spa.origin}/`);
  await page.evaluate(
    async ({ clientId, authority, knownAuthorities, redirectUri }) => {
      const w = window as unknown as { startApp(c: unknown): Promise<void> };
      await w.startApp({
        auth: { clientId, authority, knownAuthorities, redirectUri },
        cache: { cacheLocation: 'sessionStorage' },
      });
    },
    {
      clientId: emulator.seed.apps.wizard.appId,
      authority,
      knownAuthorities,
      redirectUri: `${spa.origin}/redirect.html`,
    },
  );
  const popupPromise = page.waitForEvent('popup');
  await page.evaluate(() => {
    const w = window as unknown as {
      pca: { loginPopup(r: unknown): Promise<unknown> };
      login: Promise<unknown>;
    };
    w.login = w.pca.loginPopup({
      scopes: ['https://graph.microsoft.com/Application.ReadWrite.All'],
      extraScopesToConsent: ['https://globaldisco.crm.dynamics.com/user_impersonation'],
    });
  });
  const popup = await popupPromise;
  // The account picker, then the consent page a person would see.
  await popup.locator('button[value="admin@contoso.com"]').click();
  await expect.poll(() => popup.locator('h1').textContent()).toBe('Permissions requested');
  const consentText = (await popup.locator('main').textContent()) ?? '';
  expect(consentText).toContain('Read and write all applications');
  expect(consentText).toContain('Access Common Data Service as organization users');
  expect(await popup.locator('input[name="tenant_wide"]').isChecked()).toBe(true);
  await popup.getByRole('button', { name: 'Accept' }).click();

  return page.evaluate(async () => {
    type Result = { accessToken: string; account: { username: string; tenantId: string } };
    const w = window as unknown as {
      pca: { acquireTokenSilent(r: unknown): Promise<Result> };
      login: Promise<Result>;
    };
    const login = await w.login;
    const account = login.account;
    const gds = await w.pca.acquireTokenSilent({
      scopes: ['https://globaldisco.crm.dynamics.com/user_impersonation'],
      account,
    });
    const org = await w.pca.acquireTokenSilent({
      scopes: ['https://contoso.crm.dynamics.com/user_impersonation'],
      account,
    });
    const appsRes = await fetch('https://graph.microsoft.com/v1.0/applications?$select=id,displayName', {
      headers: { authorization: `Bearer ${login.accessToken}` },
    });
    const apps = (await appsRes.json()) as { value?: { id: string }[] };
    const instances = await fetch('https://globaldisco.crm.dynamics.com/api/discovery/v2.0/Instances', {
      headers: { authorization: `Bearer ${gds.accessToken}` },
    }).then((r) => r.json() as Promise<{ value: Tokens['instances'] }>);
    const whoami = await fetch('https://contoso.api.crm.dynamics.com/api/data/v9.2/WhoAmI', {
      headers: { authorization: `Bearer ${org.accessToken}` },
    });
    return {
      graph: login.accessToken,
      discovery: gds.accessToken,
      org: org.accessToken,
      username: account.username,
      tenantId: account.tenantId,
      apps: { status: appsRes.status, ids: (apps.value ?? []).map((a) => a.id).sort() },
      instances: instances.value,
      whoamiStatus: whoami.status,
    };
  });
}

describe('real @azure/msal-browser in Chromium against the emulator', () => {
  it('signs in through the consent page with the production authority (host-mapped) and silently gets Graph, Global Discovery and environment tokens', async () => {
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    // One app of the admin's tenant, so the Graph read below has something to find.
    const created = await call(emulator, `${GRAPH}/applications`, {
      method: 'POST',
      token: await tokenFor(emulator, 'admin@contoso.com', `${GRAPH.replace('/v1.0', '')}/.default`),
      body: { displayName: 'Listed by the browser', signInAudience: 'AzureADMyOrg' },
    });
    expect(created.status).toBe(201);
    const result = await signInAndUseTokens(page, 'https://login.microsoftonline.com/organizations', []);
    const tid = emulator.tenants.contoso;
    expect(result.username).toBe('admin@contoso.com');
    expect(result.tenantId).toBe(tid);
    expect(decodeClaims(result.graph)).toMatchObject({
      aud: 'https://graph.microsoft.com',
      tid,
      idtyp: 'user',
    });
    expect(String(decodeClaims(result.graph).scp)).toContain('Application.ReadWrite.All');
    expect(decodeClaims(result.discovery)).toMatchObject({
      aud: 'https://globaldisco.crm.dynamics.com',
      scp: 'user_impersonation',
    });
    expect(decodeClaims(result.org)).toMatchObject({
      aud: 'https://contoso.crm.dynamics.com',
      scp: 'user_impersonation',
    });
    const contosoApps = emulator.control
      .state()
      .applications.filter((a) => a.tenantId === tid)
      .map((a) => a.id)
      .sort();
    expect(contosoApps).toContain(String(created.json.id));
    expect(result.apps).toEqual({ status: 200, ids: contosoApps });
    expect(result.instances.map((i) => i.FriendlyName).sort()).toEqual([
      'Contoso Production',
      'Contoso Sandbox',
    ]);
    expect(result.instances.every((i) => i.IsUserSysAdmin && i.TenantId === tid)).toBe(true);
    expect(result.whoamiStatus).toBe(200);
    // Consent was granted for the whole organisation, as an admin ticking the box does.
    expect(
      emulator.control.state().grants.some((g) => g.tenantId === tid && g.consentType === 'AllPrincipals'),
    ).toBe(true);
    await context.close();
  });

  it('also works with a path-based authority on localhost and knownAuthorities', async () => {
    emulator.control.reset();
    emulator.control.addSpaRedirectUri(`${spa.origin}/`);
    emulator.control.addSpaRedirectUri(`${spa.origin}/redirect.html`);
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    const result = await signInAndUseTokens(page, `${emulator.urls.authorityHost}/organizations`, [
      emulator.urls.knownAuthority,
    ]);
    expect(result.username).toBe('admin@contoso.com');
    expect(result.whoamiStatus).toBe(200);

    // Same-site with the emulator, so the session cookie reaches the hidden iframe: ssoSilent (prompt=none) works,
    // and forceRefresh redeems the rotated refresh token.
    const silent = await page.evaluate(async () => {
      type Result = { accessToken: string; account: { username: string } };
      const w = window as unknown as {
        pca: { ssoSilent(r: unknown): Promise<Result>; acquireTokenSilent(r: unknown): Promise<Result> };
      };
      const sso = await w.pca.ssoSilent({
        scopes: ['https://graph.microsoft.com/Application.ReadWrite.All'],
        loginHint: 'admin@contoso.com',
      });
      const refreshed = await w.pca.acquireTokenSilent({
        scopes: ['https://graph.microsoft.com/Application.ReadWrite.All'],
        account: sso.account,
        forceRefresh: true,
      });
      return { username: sso.account.username, different: refreshed.accessToken !== sso.accessToken };
    });
    expect(silent).toEqual({ username: 'admin@contoso.com', different: true });
    const log = emulator.control.requestLog();
    expect(log.some((e) => e.path.includes('/oauth2/v2.0/authorize') && e.path.includes('prompt'))).toBe(
      true,
    );
    await context.close();
  });
});
