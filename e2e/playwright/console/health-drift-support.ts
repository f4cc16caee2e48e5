import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from '@playwright/test';
import { ROLE_NAME, APP_UNIQUE_NAME } from '@kantiv/shared/naming';
import { startStack, type Stack } from '@kantiv/dev/stack';
import { stackTest } from '../fixtures.ts';
import { CUSTOMER_ADMIN, startWizardRun } from './customer-admin.ts';
import { expect } from './fixtures.ts';
import { STAFF, signInToConsole } from './staff.ts';

/**
 * What the health-drift specs share (issue 18, Done-when 1): a webhook receiver, a setup the wizard verified and the
 * first scheduled check found healthy, the next check moved forward (stack.nextHealthCheckNow), the drift named on
 * the setup page and at the receiver, the follow-up link run in a browser of the admin's own, and the emulator
 * holding nothing twice afterwards.
 */

/** The receiver of the spec file running now, subscribed by the `beforeAll` that `healthDriftTest` registers. */
export let receiver: Receiver;

/**
 * The stack both health-drift specs run on, with the receiver subscribed before the first test: jobs polled every
 * 100 ms and the sweep every half second (a verified setup gets its first check at once), the default hourly schedule
 * (a check is moved forward with stack.nextHealthCheckNow, never waited for).
 */
export function healthDriftTest() {
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
  test.beforeAll(async ({ stack }) => {
    receiver = await subscribedReceiver(stack);
  });
  test.afterAll(async () => {
    await receiver?.close();
  });
  return test;
}

/** The stack's default hourly schedule. */
export const INTERVAL_MS = 3_600_000;

type Hook = { type: string; data: { setupId?: string; health?: string; cause?: { code?: string } } };

/** The API client's webhook receiver, on loopback. */
export async function startReceiver() {
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
export type Receiver = Awaited<ReturnType<typeof startReceiver>>;

/** Starts the receiver and subscribes it to `setup.degraded` / `setup.recovered`. */
export async function subscribedReceiver(stack: Stack): Promise<Receiver> {
  const receiver = await startReceiver();
  const sub = await stack.api('/api/v1/webhooks', {
    method: 'POST',
    body: { url: receiver.url, events: ['setup.degraded', 'setup.recovered'] },
  });
  expect(sub.status).toBe(201);
  return receiver;
}

export const hooksOf = (receiver: Receiver, setupId: string) =>
  receiver.hooks
    .filter((h) => h.data.setupId === setupId)
    .map((h) => `${h.type}${h.data.cause?.code ? `:${h.data.cause.code}` : ''}`);

export function environmentUrl(stack: Stack, name: string): string {
  return stack.emulator.urls.environments.find((e) => e.name === name)!.url;
}

/** The next scheduled check runs now; it was due within one interval (±10 % jitter). */
export function moveClockToNextCheck(stack: Stack, setupId: string) {
  const ahead = stack.nextHealthCheckNow(setupId);
  expect(ahead).toBeLessThanOrEqual(INTERVAL_MS * 1.1);
}

/** True once a check is queued for the setup (and moved to now); false while none is (one is running). */
export function scheduled(stack: Stack, setupId: string): boolean {
  try {
    moveClockToNextCheck(stack, setupId);
    return true;
  } catch {
    return false;
  }
}

/** A setup the wizard verified on `environment`, found healthy by its first scheduled check; support watches it. */
export async function healthySetup(
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

/** The next check names the drift: health, cause and fix on the setup page, and `setup.degraded` at the receiver. */
export async function expectDriftNamed(
  page: Page,
  stack: Stack,
  receiver: Receiver,
  setupId: string,
  want: { health: 'broken' | 'degraded'; code: string; cause: RegExp; fix: RegExp },
  moveClock = true,
) {
  if (moveClock) moveClockToNextCheck(stack, setupId);
  await expect(page.getByTestId('health-value')).toHaveText(want.health, { timeout: 30_000 });
  await expect(page.getByTestId('health-cause')).toContainText(want.cause);
  await expect(page.getByTestId('health-fix')).toContainText(want.fix);
  await expect
    .poll(() => hooksOf(receiver, setupId), { timeout: 30_000 })
    .toEqual([`setup.degraded:${want.code}`]);
}

/** Support issues the link in the console; the customer's admin opens it in a browser context of their own. */
export async function runFollowUpLink(
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
export async function expectRecovered(page: Page, receiver: Receiver, setupId: string, code: string) {
  await expect(page.getByTestId('health-value')).toHaveText('healthy', { timeout: 60_000 });
  await expect
    .poll(() => hooksOf(receiver, setupId), { timeout: 30_000 })
    .toEqual([`setup.degraded:${code}`, 'setup.recovered']);
}

/** Nothing twice in the emulator: one app, one application user of it, one Kantiv role per business unit. */
export function expectNoDuplicates(stack: Stack, clientId: string, environment: string) {
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
