import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from '@playwright/test';
import type { Drift } from '@kantiv/emulator';
import { ROLE_NAME, APP_UNIQUE_NAME } from '@kantiv/shared/naming';
import { startStack, type Stack } from '@kantiv/dev/stack';
import { stackTest } from '../fixtures.ts';
import { CUSTOMER_ADMIN, startWizardRun } from './customer-admin.ts';
import { expect } from './fixtures.ts';
import { STAFF, signInToConsole } from './staff.ts';

/**
 * Issue 18, Done-when 1: every drift kind caused in the emulator after the wizard verified the connection; the next
 * scheduled health check (the server's clock moved by one check interval) names it with its fix; the receiver gets
 * `setup.degraded`; support issues the link the fix names; the customer's admin runs it in a browser of their own;
 * health is `healthy` again (`setup.recovered`) and the emulator holds nothing twice.
 *
 * The stack keeps the default hourly schedule: a check is moved forward (stack.nextHealthCheckNow) instead of
 * waited for. The sweep runs every half second so a verified setup gets its first check at once.
 */
const INTERVAL_MS = 3_600_000;
const test = stackTest(() =>
  startStack({
    serverEnv: {
      JOB_POLL_MS: '100',
      VERIFICATION_RETRY_MAX_MS: '2000',
      VERIFICATION_MAX_WAIT_SECONDS: '120',
      HEALTH_SWEEP_MS: '500',
    },
  }),
);
test.describe.configure({ timeout: 420_000 });

type Hook = { type: string; data: { setupId?: string; health?: string; cause?: { code?: string } } };

/** The API client's webhook receiver, on loopback. */
async function startReceiver() {
  const hooks: Hook[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.headers['webhook-signature']) hooks.push(JSON.parse(Buffer.concat(chunks).toString()) as Hook);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/health-hooks`;
  return { url, hooks, close: () => new Promise((resolve) => server.close(resolve)) };
}

let receiver: Awaited<ReturnType<typeof startReceiver>>;

test.beforeAll(async ({ stack }) => {
  receiver = await startReceiver();
  const sub = await stack.api('/api/v1/webhooks', {
    method: 'POST',
    body: { url: receiver.url, events: ['setup.degraded', 'setup.recovered'] },
  });
  expect(sub.status).toBe(201);
});

test.afterAll(async () => {
  await receiver?.close();
});

const hooksOf = (setupId: string) =>
  receiver.hooks
    .filter((h) => h.data.setupId === setupId)
    .map((h) => `${h.type}${h.data.cause?.code ? `:${h.data.cause.code}` : ''}`);

function environmentUrl(stack: Stack, name: string): string {
  return stack.emulator.urls.environments.find((e) => e.name === name)!.url;
}

/** The next scheduled check runs now; it was due within one interval (±10 % jitter). */
function moveClockToNextCheck(stack: Stack, setupId: string) {
  const ahead = stack.nextHealthCheckNow(setupId);
  expect(ahead).toBeLessThanOrEqual(INTERVAL_MS * 1.1);
}

/** A setup the wizard verified on `environment`, found healthy by its first scheduled check; support watches it. */
async function healthySetup(
  browser: Browser,
  page: Page,
  stack: Stack,
  customer: string,
  environment: string,
) {
  const { setup, inviteUrl } = await stack.createSetup({ customerName: customer });
  const run = await startWizardRun(browser, stack, inviteUrl, environment);
  await expect(run.admin.getByTestId('verification')).toHaveAttribute('data-state', 'verified', {
    timeout: 240_000,
  });
  await run.close();
  await signInToConsole(page, STAFF.support.upn, `/console/setups/${setup.id}`);
  await expect(page.getByRole('heading', { level: 1, name: customer })).toBeVisible();
  await expect(page.getByTestId('setup-state')).toHaveText('Verified');
  // The sweep schedules the first check somewhere in the first interval.
  await expect.poll(() => scheduled(stack, setup.id), { timeout: 30_000 }).toBe(true);
  await expect(page.getByTestId('health-value')).toHaveText('healthy', { timeout: 30_000 });
  const { clientId } = await stack.getSetup(setup.id);
  return { id: setup.id, clientId: clientId! };
}

function scheduled(stack: Stack, setupId: string): boolean {
  try {
    moveClockToNextCheck(stack, setupId);
    return true;
  } catch {
    return false;
  }
}

/** The next check names the drift: health, cause and fix on the setup page, and `setup.degraded` at the receiver. */
async function expectDriftNamed(
  page: Page,
  stack: Stack,
  setupId: string,
  want: { health: 'broken' | 'degraded'; code: string; cause: RegExp; fix: RegExp },
) {
  moveClockToNextCheck(stack, setupId);
  await expect(page.getByTestId('health-value')).toHaveText(want.health, { timeout: 30_000 });
  await expect(page.getByTestId('health-cause')).toContainText(want.cause);
  await expect(page.getByTestId('health-fix')).toContainText(want.fix);
  await expect.poll(() => hooksOf(setupId), { timeout: 30_000 }).toEqual([`setup.degraded:${want.code}`]);
}

/** Support issues the link in the console; the customer's admin opens it in a browser context of their own. */
async function runFollowUpLink(
  browser: Browser,
  page: Page,
  stack: Stack,
  purpose: 'repair' | 'renew',
  environment: string,
) {
  const button = purpose === 'repair' ? 'Repair link' : 'Renewal link';
  // The link the fix names, offered beside it in the health panel.
  const health = page.getByTestId('setup-health');
  await health.getByRole('button', { name: button }).click();
  const url = await health.getByTestId(`link-url-${purpose}`).inputValue();
  expect(url).toContain('#token=');

  const context = await browser.newContext({ baseURL: stack.baseUrl });
  try {
    const admin = await context.newPage();
    await admin.goto(url);
    await expect(
      admin.getByRole('heading', {
        level: 1,
        name: purpose === 'repair' ? 'Repair the connection' : 'Renew the connection’s credential',
      }),
    ).toBeVisible();
    const popupPromise = admin.waitForEvent('popup');
    await admin.getByRole('button', { name: 'Sign in with Microsoft' }).click();
    const popup = await popupPromise;
    await popup.locator(`button[value="${CUSTOMER_ADMIN}"]`).click();
    // A follow-up link never moves the connection: the sign-in goes straight to the plan for its environment.
    await expect(admin.getByRole('heading', { level: 1, name: 'Review the plan' })).toBeVisible({
      timeout: 60_000,
    });
    await expect(admin.locator('main')).toContainText(new URL(environmentUrl(stack, environment)).host);
    await admin.getByRole('button', { name: 'Connect', exact: true }).click({ timeout: 60_000 });
    await expect(admin.getByRole('heading', { level: 1, name: 'Connected' })).toBeVisible({
      timeout: 240_000,
    });
  } finally {
    await context.close();
  }
}

/** After the repair: healthy again, `setup.recovered` at the receiver. */
async function expectRecovered(page: Page, setupId: string, code: string) {
  await expect(page.getByTestId('health-value')).toHaveText('healthy', { timeout: 60_000 });
  await expect
    .poll(() => hooksOf(setupId), { timeout: 30_000 })
    .toEqual([`setup.degraded:${code}`, 'setup.recovered']);
}

/** Nothing twice in the emulator: one app, one application user of it, one Kantiv role per business unit. */
function expectNoDuplicates(stack: Stack, clientId: string, environment: string) {
  const world = stack.emulator.control.state();
  const contoso = stack.emulator.tenants.contoso;
  expect(
    world.applications.filter((a) => a.tenantId === contoso && a.uniqueName === APP_UNIQUE_NAME),
  ).toHaveLength(1);
  expect(
    world.applications.find((a) => a.uniqueName === APP_UNIQUE_NAME && a.tenantId === contoso)?.appId,
  ).toBe(clientId);
  expect(world.servicePrincipals.filter((s) => s.appId === clientId)).toHaveLength(1);
  const env = world.environments.find((e) => e.url === environmentUrl(stack, environment))!;
  const users = env.systemUsers.filter((u) => u.applicationid === clientId);
  expect(users).toHaveLength(1);
  const ours = env.roles.filter((r) => r.name === ROLE_NAME);
  expect(new Set(ours.map((r) => r.businessunitid)).size).toBe(ours.length);
  // The state view names a user's roles.
  expect(users[0]!.roles.filter((name) => name === ROLE_NAME)).toHaveLength(1);
  return { app: world.applications.find((a) => a.appId === clientId)!, user: users[0]! };
}

async function repairs(
  browser: Browser,
  page: Page,
  stack: Stack,
  c: {
    customer: string;
    drift: (clientId: string, env: string) => Drift;
    health: 'broken' | 'degraded';
    code: string;
    cause: RegExp;
    fix: RegExp;
    link: 'repair' | 'renew';
  },
) {
  const environment = 'Contoso Production';
  const s = await healthySetup(browser, page, stack, c.customer, environment);
  const before = stack.emulator.control.state().applications.find((a) => a.appId === s.clientId)!;
  stack.emulator.control.drift(c.drift(s.clientId, environmentUrl(stack, environment)));
  await expectDriftNamed(page, stack, s.id, c);
  await runFollowUpLink(browser, page, stack, c.link, environment);
  await expectRecovered(page, s.id, c.code);
  const after = expectNoDuplicates(stack, s.clientId, environment);
  return { setupId: s.id, before, after };
}

test('a removed credential: broken, fixed by a renewal link that adds a new certificate to the same app', async ({
  browser,
  page,
  stack,
}) => {
  const r = await repairs(browser, page, stack, {
    customer: 'Removed Credential Co',
    drift: (appId) => ({ kind: 'remove-credential', appId }),
    health: 'broken',
    code: 'credential_removed',
    cause: /removed from the app registration/,
    fix: /renewal link/,
    link: 'renew',
  });
  expect(r.after.app.keyCredentials).toHaveLength(1);
  expect((await stack.getSetup(r.setupId)).credentialKind).toBe('certificate');
});

test('an expired credential: broken, credential_expired, fixed by a renewal link', async ({
  browser,
  page,
  stack,
}) => {
  await repairs(browser, page, stack, {
    customer: 'Expired Credential Co',
    drift: (appId) => ({ kind: 'expire-credential', appId }),
    health: 'broken',
    code: 'credential_expired',
    cause: /expired/,
    fix: /renewal link/,
    link: 'renew',
  });
});

test('a deleted app registration: broken, app_deleted; the repair restores it from deleted items with its certificate', async ({
  browser,
  page,
  stack,
}) => {
  const r = await repairs(browser, page, stack, {
    customer: 'Deleted App Co',
    drift: (appId) => ({ kind: 'delete-app', appId }),
    health: 'broken',
    code: 'app_deleted',
    cause: /deleted/,
    fix: /30 days/,
    link: 'repair',
  });
  // Restored, not recreated: the same object, the same certificate Kantiv holds, nothing left in deleted items.
  expect(r.after.app.id).toBe(r.before.id);
  expect(r.after.app.keyCredentials.map((k) => k.keyId)).toEqual(r.before.keyCredentials.map((k) => k.keyId));
  expect(stack.emulator.control.state().deletedItems.filter((d) => d.appId === r.after.app.appId)).toEqual(
    [],
  );
});

test('a deleted application user: broken, application_user_missing; the repair makes it again with its role', async ({
  browser,
  page,
  stack,
}) => {
  await repairs(browser, page, stack, {
    customer: 'Deleted User Co',
    drift: (appId, environmentUrl) => ({ kind: 'delete-app-user', appId, environmentUrl }),
    health: 'broken',
    code: 'application_user_missing',
    cause: /no application user/,
    fix: /repair link/,
    link: 'repair',
  });
});

test('a disabled application user: broken, application_user_disabled; the repair activates the same user', async ({
  browser,
  page,
  stack,
}) => {
  const env = environmentUrl(stack, 'Contoso Production');
  let userId = '';
  const r = await repairs(browser, page, stack, {
    customer: 'Disabled User Co',
    drift: (appId, environmentUrl) => {
      userId = stack.emulator.control
        .state()
        .environments.find((e) => e.url === env)!
        .systemUsers.find((u) => u.applicationid === appId)!.systemuserid;
      return { kind: 'disable-app-user', appId, environmentUrl };
    },
    health: 'broken',
    code: 'application_user_disabled',
    cause: /disabled/,
    fix: /repair link/,
    link: 'repair',
  });
  expect(r.after.user.systemuserid).toBe(userId);
});

test('a role taken from the user, then a privilege taken from the role: each named, each repaired', async ({
  browser,
  page,
  stack,
}) => {
  const r = await repairs(browser, page, stack, {
    customer: 'Role Removed Co',
    drift: (appId, environmentUrl) => ({ kind: 'remove-role', appId, environmentUrl, roleName: ROLE_NAME }),
    health: 'broken',
    code: 'role_removed',
    cause: new RegExp(`"${ROLE_NAME}" is no longer assigned`),
    fix: /repair link/,
    link: 'repair',
  });

  // The same setup, healthy again, loses one privilege of its role: degraded, named by table and access level.
  // (The default manifest does not read roles, so the check finds a missing privilege by its table probe: a read.)
  stack.emulator.control.drift({
    kind: 'remove-privilege',
    environmentUrl: environmentUrl(stack, 'Contoso Production'),
    roleName: ROLE_NAME,
    privilege: 'prvReadAccount',
  });
  moveClockToNextCheck(stack, r.setupId);
  await expect(page.getByTestId('health-value')).toHaveText('degraded', { timeout: 30_000 });
  await expect(page.getByTestId('health-cause')).toContainText('Read on Accounts (Organization)');
  await expect(page.getByTestId('health-fix')).toContainText(/repair link/);
  await expect
    .poll(() => hooksOf(r.setupId), { timeout: 30_000 })
    .toEqual(['setup.degraded:role_removed', 'setup.recovered', 'setup.degraded:privileges_removed']);
  await runFollowUpLink(browser, page, stack, 'repair', 'Contoso Production');
  await expect(page.getByTestId('health-value')).toHaveText('healthy', { timeout: 60_000 });
  await expect
    .poll(() => hooksOf(r.setupId), { timeout: 30_000 })
    .toEqual([
      'setup.degraded:role_removed',
      'setup.recovered',
      'setup.degraded:privileges_removed',
      'setup.recovered',
    ]);
  expectNoDuplicates(stack, r.after.app.appId, 'Contoso Production');
});

// Last: the environment is deleted for good (Contoso Sandbox, which no other test here uses).
test('a deleted environment: broken, environment_gone; no repair link is offered, the fix says why', async ({
  browser,
  page,
  stack,
}) => {
  const s = await healthySetup(browser, page, stack, 'Gone Environment Co', 'Contoso Sandbox');
  stack.emulator.control.drift({
    kind: 'delete-environment',
    environmentUrl: environmentUrl(stack, 'Contoso Sandbox'),
  });
  await expectDriftNamed(page, stack, s.id, {
    health: 'broken',
    code: 'environment_gone',
    cause: /no Dataverse environment/,
    fix: /nothing a repair link can/,
  });
  const repair = page.getByTestId('link-repair').getByRole('button', { name: 'Repair link' });
  await expect(repair).toBeDisabled();
});
