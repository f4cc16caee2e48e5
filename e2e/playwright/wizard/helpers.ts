import AxeBuilder from '@axe-core/playwright';
import type { Locator, Page } from '@playwright/test';
import type { CredentialHandoffRequest } from '@kantiv/shared/credentials';
import type { CreateSetupRequest } from '@kantiv/shared/setup';
import { createEngine, type TokenResource } from '@kantiv/provisioning';
import type { Stack } from '@kantiv/dev/stack';
import { expect } from '../fixtures.ts';

export const USERS = {
  /** Cloud Application Administrator + System Administrator in Contoso Production and Contoso Sandbox. */
  admin: 'admin@contoso.com',
  /** System Administrator in Contoso Production, no Entra role. */
  sysadminOnly: 'sysadmin@contoso.com',
  /** Cloud Application Administrator, only Basic User in Contoso Production. */
  cloudAdminOnly: 'cloudadmin@contoso.com',
} as const;

export const CONTOSO_PRODUCTION = 'https://contoso.crm.dynamics.com';

/** Presses Tab until `target` has focus (keyboard only, like a person without a mouse), then `key`. */
export async function tabTo(
  page: Page,
  target: Locator,
  key: 'Enter' | 'Space' | null = 'Enter',
): Promise<void> {
  await expect(target).toBeVisible({ timeout: 60_000 });
  for (let i = 0; i < 80; i += 1) {
    if (await target.evaluate((el) => el === document.activeElement)) {
      if (key) await page.keyboard.press(key);
      return;
    }
    await page.keyboard.press('Tab');
  }
  throw new Error(`Could not reach ${target.toString()} with the Tab key.`);
}

/** Creates a setup through the API and opens its invite link, as the customer admin would. */
export async function openInvite(page: Page, stack: Stack, input: Partial<CreateSetupRequest> = {}) {
  const created = await stack.createSetup(input);
  const token = new URL(created.inviteUrl).hash.replace(/^#token=/, '');
  await page.goto(created.inviteUrl);
  // The welcome page of this setup, by its own heading: the home page ("Kantiv Connect") or an error page must not pass.
  await expect(
    page.getByRole('heading', {
      level: 1,
      name: `Connect ${created.setup.customerName}’s Dynamics 365 to Kantiv`,
      exact: true,
    }),
  ).toBeVisible();
  return { setupId: created.setup.id, inviteUrl: created.inviteUrl, token };
}

/** axe-core on the current page: no serious or critical violation. */
export async function expectAccessible(page: Page, label: string): Promise<void> {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(
    bad.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
    `accessibility of ${label}`,
  ).toEqual([]);
}

/** Contoso's Global Administrator consented to Kantiv Connect for the whole organisation earlier. */
export function grantTenantConsent(stack: Stack): void {
  const tenant = stack.emulator.tenants.contoso;
  stack.emulator.control.grantConsent({
    tenant,
    resource: 'https://graph.microsoft.com',
    scopes: ['Application.ReadWrite.All', 'User.Read'],
  });
  stack.emulator.control.grantConsent({
    tenant,
    resource: 'https://globaldisco.crm.dynamics.com',
    scopes: ['user_impersonation'],
  });
}

/** The emulator signs `user` in and consents without showing its pages. */
export function autoSignIn(stack: Stack, user: string): void {
  stack.emulator.control.setScenario({ name: 'auto-sign-in', user });
}

/** Opens the manual page from the invite's welcome page. */
export async function openManual(page: Page, stack: Stack) {
  const invite = await openInvite(page, stack);
  await page.getByRole('link', { name: 'I prefer to set it up by hand' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Set up the connection by hand' })).toBeVisible();
  return invite;
}

/** Kantiv accepts a credential only for a tenant proven by a Microsoft sign-in. */
export async function signInOnManualPage(page: Page, stack: Stack): Promise<void> {
  autoSignIn(stack, USERS.admin);
  await page.getByRole('button', { name: 'Sign in with Microsoft' }).click();
  // Kantiv knows the tenant now: the form can be sent (the heading alone also vanishes while a redirect is under way).
  await expect(page.getByRole('button', { name: 'Send to Kantiv and verify' })).toBeEnabled({
    timeout: 60_000,
  });
  await expect(page.getByRole('heading', { name: 'First, sign in with Microsoft' })).toHaveCount(0);
}

/** The welcome page's main button is the Microsoft sign-in itself: no page in between. */
export async function openSignIn(page: Page): Promise<void> {
  await expect(page.getByRole('button', { name: 'Sign in with Microsoft' })).toBeVisible();
}

/** On the welcome or sign-in page: Microsoft sign-in (popup, or redirect when blocked) as `user`. */
export async function signInWithMicrosoft(page: Page, stack: Stack, user: string = USERS.admin) {
  autoSignIn(stack, user);
  await page.getByRole('button', { name: 'Sign in with Microsoft' }).click();
}

/** From the welcome page through Microsoft sign-in (popup) and the identity binding. */
export async function signIn(page: Page, stack: Stack, user: string = USERS.admin): Promise<void> {
  await openSignIn(page);
  await signInWithMicrosoft(page, stack, user);
}

/**
 * What a popup blocker does: `window.open` returns null (no window, no exception). MSAL then raises
 * `popup_window_error` (wrapping `empty_window_error`), which the wizard answers with a full-page redirect.
 */
export async function blockPopups(page: Page): Promise<void> {
  await page.addInitScript(() => {
    window.open = () => null;
  });
}

/**
 * What browsers' popup blockers do: `window.open` works from a user's click (one window per click, while the click's
 * transient activation lasts) and returns null otherwise, as when a page opens a window on its own later.
 */
export async function blockPopupsWithoutClick(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const open = window.open.bind(window);
    let clicks = 0;
    document.addEventListener(
      'click',
      (event) => {
        if (event.isTrusted) clicks = 1;
      },
      true,
    );
    window.open = (...args: Parameters<typeof window.open>) => {
      if (clicks === 0 || !navigator.userActivation.isActive) return null;
      clicks = 0;
      return open(...args);
    };
  });
}

export async function expectEnvironmentPage(page: Page): Promise<void> {
  await expect(page).toHaveURL(/\/environment$/, { timeout: 60_000 });
  await expect(page.getByRole('heading', { level: 1, name: /choose the environment/ })).toBeVisible();
}

/** The way into most scenarios: a fresh invite, the admin's sign-in, and the environment page. */
export async function signInToEnvironments(page: Page, stack: Stack, user: string = USERS.admin) {
  const invite = await openInvite(page, stack);
  await signIn(page, stack, user);
  await expectEnvironmentPage(page);
  return invite;
}

/** One click on the environment: it is checked and the plan opens. */
export async function chooseEnvironment(page: Page, name: RegExp | string): Promise<void> {
  await page.getByTestId('environments').getByRole('button', { name }).click({ timeout: 60_000 });
}

/** The environment typed by its address (as printed in the Power Platform admin center, with or without https://). */
export async function typeEnvironment(page: Page, address: string): Promise<void> {
  await page
    .getByRole('button', { name: 'Another environment (type its address)' })
    .click({ timeout: 60_000 });
  await page.getByLabel('Environment address').fill(address);
  await page.getByRole('button', { name: 'Continue with this address' }).click();
}

/**
 * From the invite to a run that is busy: signed in, Contoso Production chosen, and new objects kept invisible to
 * Dataverse and the token endpoint for `replicationSeconds`, so the run waits for Microsoft after the app
 * registration is done.
 */
export async function startSlowRun(page: Page, stack: Stack, replicationSeconds = 20) {
  const invite = await openInvite(page, stack);
  await signIn(page, stack);
  await expectEnvironmentPage(page);
  await chooseEnvironment(page, /Contoso Production/);
  await expect(page.getByTestId('plan-items')).toBeVisible({ timeout: 60_000 });
  stack.emulator.control.setScenario({ name: 'replication-delay', seconds: replicationSeconds });
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await expect(page).toHaveURL(/\/run$/);
  await expect(page.getByTestId('step-app_registration')).toHaveAttribute('data-status', 'succeeded', {
    timeout: 90_000,
  });
  return invite;
}

/**
 * What Contoso's tenant holds after a run, however often it was stopped and resumed: one app registration with one
 * Kantiv certificate (the default credential) and no secret, one service principal, one application user in Contoso
 * Production with the Kantiv role.
 */
export function expectProvisionedOnce(stack: Stack): void {
  const state = stack.emulator.control.state();
  const apps = state.applications.filter((a) => a.tenantId === stack.emulator.tenants.contoso);
  expect(apps).toHaveLength(1);
  const app = apps[0];
  // The wizard names the certificate after its setup (decision 010): "Kantiv certificate (setup 1a2b3c4d)".
  expect(
    app?.keyCredentials.filter((k) => /^Kantiv certificate \(setup [0-9a-f]{8}\)$/.test(k.displayName ?? '')),
  ).toHaveLength(1);
  expect(app?.passwordCredentials).toEqual([]);
  expect(state.servicePrincipals.filter((s) => s.appId === app?.appId)).toHaveLength(1);
  const env = state.environments.find((e) => e.url === CONTOSO_PRODUCTION);
  const appUsers = env?.systemUsers.filter((u) => u.applicationid === app?.appId) ?? [];
  expect(appUsers).toHaveLength(1);
  expect(appUsers[0]?.roles).toEqual(['Kantiv Integration']);
  expect(env?.roles.filter((r) => r.name === 'Kantiv Integration')).toHaveLength(
    env?.businessUnits.length ?? 0,
  );
}

/** Clicks Connect on the plan page and waits for the done page. */
export async function connectAndFinish(page: Page): Promise<void> {
  await expect(page).toHaveURL(/\/plan$/, { timeout: 60_000 });
  await expect(page.getByTestId('plan-items')).toBeVisible({ timeout: 60_000 });
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await expect(page).toHaveURL(/\/run$/);
  await expect(page).toHaveURL(/\/done$/, { timeout: 180_000 });
}

/** Polls the status API (what Kantiv's services see) until the setup reaches `state`. */
export async function expectStatus(
  stack: Stack,
  setupId: string,
  state: string,
  timeout = 120_000,
): Promise<void> {
  await expect
    .poll(async () => (await stack.getStatus(setupId)).state, { timeout, intervals: [500, 1000, 2000] })
    .toBe(state);
}

/** The manual form's "Client secret expires on": a year from today, as Entra would show it. */
export async function fillSecretExpiry(page: Page): Promise<string> {
  const date = new Date(Date.now() + 365 * 24 * 3600 * 1000).toISOString().slice(0, 10);
  await page.getByLabel('Client secret expires on').fill(date);
  return date;
}

/**
 * What an admin following the manual guide ends up with: an app registration, its secret, the permission, a role
 * and an application user. Made here by running the provisioning engine in Node with the admin's (emulated) tokens,
 * keeping the secret instead of handing it to Kantiv.
 */
export async function provisionByHand(
  stack: Stack,
): Promise<CredentialHandoffRequest & { clientSecret: string }> {
  const control = stack.emulator.control;
  const scope = (resource: TokenResource) =>
    resource === 'graph'
      ? 'https://graph.microsoft.com/Application.ReadWrite.All'
      : resource === 'discovery'
        ? 'https://globaldisco.crm.dynamics.com/user_impersonation'
        : `${new URL(resource.environmentUrl).origin}/user_impersonation`;
  let handedOff: CredentialHandoffRequest | undefined;
  const engine = createEngine({
    tokens: { getToken: (resource) => control.issueToken({ user: USERS.admin, scope: scope(resource) }) },
    fetch: (input, init) => stack.emulator.fetch(input, init),
    config: {
      environmentUrl: CONTOSO_PRODUCTION,
      tenantId: stack.emulator.tenants.contoso,
    },
    handoff: async (request) => {
      handedOff = request;
    },
  });
  const result = await engine.apply();
  if (result.status !== 'succeeded' || !handedOff?.clientSecret) {
    throw new Error(`Manual provisioning failed: ${JSON.stringify(result.error)}`);
  }
  return { ...handedOff, clientSecret: handedOff.clientSecret };
}
