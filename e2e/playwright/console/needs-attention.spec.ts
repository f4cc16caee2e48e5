import http from 'node:http';
import type { Browser, Page } from '@playwright/test';
import { startStack, type Stack } from '@kantiv/dev/stack';
import type { CreateSetupResponse } from '@kantiv/shared/setup';
import { stackTest } from '../fixtures.ts';
import {
  USERS,
  chooseEnvironment,
  expectEnvironmentPage,
  grantTenantConsent,
  signIn,
} from '../wizard/helpers.ts';
import { expect } from './fixtures.ts';
import { STAFF, signInToConsole } from './staff.ts';

/** An admin with no wizard activity for this long is idle (the server's SETUP_IDLE_SECONDS here). */
const IDLE_SECONDS = 20;

const test = stackTest(() =>
  startStack({
    serverEnv: {
      JOB_POLL_MS: '100',
      SETUP_IDLE_SECONDS: String(IDLE_SECONDS),
      SETUP_IDLE_SWEEP_MS: '500',
    },
  }),
);

type Delivery = { type: string; data: { setupId?: string; message?: string } };

/** Support's webhook receiver, on loopback: what Kantiv would route to e-mail or chat. */
async function startReceiver() {
  const received: Delivery[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push(JSON.parse(body) as Delivery);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/**
 * Support's side in its own context: signed in, the setup's page open before the admin does anything, so whatever
 * appears arrives live.
 */
async function supportWatching(browser: Browser, baseURL: string, setupId: string) {
  const context = await browser.newContext({ baseURL });
  const page = await context.newPage();
  await signInToConsole(page, STAFF.support.upn, `/console/setups/${setupId}`);
  await expect(page.locator('[data-stream="live"]')).toBeVisible({ timeout: 30_000 });
  return { page, close: () => context.close() };
}

/** The customer admin's side in another context, on the invite's welcome page. */
async function adminOpens(browser: Browser, baseURL: string, created: CreateSetupResponse) {
  const context = await browser.newContext({ baseURL });
  const page = await context.newPage();
  await page.goto(created.inviteUrl);
  await expect(page.getByRole('heading', { level: 1, name: /^Connect / })).toBeVisible();
  return { page, close: () => context.close() };
}

/** Support sees the moment on the open page, the setup under "needs attention", and the webhook arrives. */
async function expectSupportSees(
  support: Page,
  setupId: string,
  customer: string,
  moment: string,
  webhook: { type: string; received: Delivery[] },
  says: (string | RegExp)[] = [],
) {
  const entry = support.getByTestId(`moment-${moment}`).last();
  await expect(entry).toBeVisible({ timeout: 90_000 });
  for (const text of says) await expect(entry).toContainText(text);
  await expect(support.getByTestId('setup-attention')).toHaveAttribute('data-kind', moment);
  await expect
    .poll(() => webhook.received.find((d) => d.type === webhook.type && d.data.setupId === setupId), {
      timeout: 30_000,
    })
    .toBeTruthy();
  await support.goto(`/console/setups?q=${encodeURIComponent(customer)}`);
  await support.getByRole('button', { name: /^Needs attention/ }).click();
  await expect(support).toHaveURL(/attention=needed/);
  await expect(support.getByTestId('count-attention')).toHaveText('1');
  const row = support.getByTestId('setup-row').filter({ hasText: customer });
  await expect(row).toHaveCount(1);
  await expect(row.getByTestId('row-attention')).toBeVisible();
}

test.describe('support sees every admin who is stuck', () => {
  test.describe.configure({ timeout: 300_000 });
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  test.beforeAll(async ({ stack }) => {
    receiver = await startReceiver();
    const res = await stack.api('/api/v1/webhooks', {
      method: 'POST',
      body: { url: receiver.url, events: ['setup.blocked', 'setup.stalled'] },
    });
    expect(res.status).toBe(201);
  });
  test.afterAll(async () => receiver.close());
  test.beforeEach(({ stack }) => stack.emulator.control.reset());

  async function scenario(
    browser: Browser,
    stack: Stack,
    name: string,
    input: { expectedTenantDomain?: string } = {},
  ) {
    const customer = `${name} ${Date.now().toString(36)}`;
    const created = await stack.createSetup({ customerName: customer, ...input });
    const support = await supportWatching(browser, stack.baseUrl, created.setup.id);
    const admin = await adminOpens(browser, stack.baseUrl, created);
    await expect(support.page.getByTestId('moment-invite_opened')).toBeVisible();
    return { customer, id: created.setup.id, support, admin };
  }

  test('blocked: no Entra role', async ({ browser, stack }) => {
    const s = await scenario(browser, stack, 'No Role Co');
    grantTenantConsent(stack);
    await signIn(s.admin.page, stack, USERS.sysadminOnly);
    await expectEnvironmentPage(s.admin.page);
    await expect(s.admin.page.getByRole('alert').filter({ hasText: 'Before you can continue' })).toBeVisible({
      timeout: 60_000,
    });
    await expect(s.support.page.getByTestId('moment-signed_in')).toContainText(USERS.sysadminOnly);
    await expectSupportSees(
      s.support.page,
      s.id,
      s.customer,
      'blocked',
      { type: 'setup.blocked', received: receiver.received },
      ['missing_directory_role', /Fix shown to the admin: .*Application Administrator/],
    );
    await s.admin.close();
    await s.support.close();
  });

  test('blocked: not System Administrator', async ({ browser, stack }) => {
    const s = await scenario(browser, stack, 'Basic User Co');
    await signIn(s.admin.page, stack, USERS.cloudAdminOnly);
    await expectEnvironmentPage(s.admin.page);
    await chooseEnvironment(s.admin.page, /Contoso Production/);
    await expect(
      s.admin.page.getByRole('alert').filter({ hasText: 'This environment cannot be used yet' }),
    ).toBeVisible({ timeout: 60_000 });
    await expectSupportSees(
      s.support.page,
      s.id,
      s.customer,
      'blocked',
      { type: 'setup.blocked', received: receiver.received },
      ['not_system_administrator', 'Fix shown to the admin'],
    );
    await s.admin.close();
    await s.support.close();
  });

  // The wizard signs in at the invited organization's authority, so Microsoft refuses another organization's account
  // before Kantiv sees a token; the wizard reports that refusal (a token that does reach Kantiv from another tenant is
  // recorded as wrong_tenant by the server: server/test/moments.test.ts).
  test('wrong tenant', async ({ browser, stack }) => {
    const s = await scenario(browser, stack, 'Wrong Tenant Co', { expectedTenantDomain: 'contoso.com' });
    // At the invited organization's authority Microsoft refuses an account of another one on its own page, which
    // never comes back to the wizard (FIDELITY F7-1, F7-2): the admin closes that window, says so, and the wizard
    // reports it.
    const popupOpened = s.admin.page.waitForEvent('popup');
    await signIn(s.admin.page, stack, 'admin@fabrikam.com');
    const popup = await popupOpened;
    await expect(popup.getByRole('alert')).toContainText(/AADSTS50020: User account 'admin@fabrikam\.com'/, {
      timeout: 60_000,
    });
    await popup.close();
    // MSAL does not notice the closed window: the admin says so with the waiting panel's control.
    await s.admin.page
      .getByTestId('sign-in-waiting')
      .getByRole('button', { name: 'I closed Microsoft’s window' })
      .click();
    await expect(s.admin.page.getByTestId('sign-in-problem')).toBeVisible();
    await expectSupportSees(
      s.support.page,
      s.id,
      s.customer,
      'blocked',
      { type: 'setup.blocked', received: receiver.received },
      ['sign_in_refused', 'contoso.com'],
    );
    await s.admin.close();
    await s.support.close();
  });

  test('stopped by the admin', async ({ browser, stack }) => {
    const s = await scenario(browser, stack, 'Stopped Co');
    await signIn(s.admin.page, stack, USERS.admin);
    await expectEnvironmentPage(s.admin.page);
    await chooseEnvironment(s.admin.page, /Contoso Production/);
    await expect(s.admin.page.getByTestId('plan-items')).toBeVisible({ timeout: 60_000 });
    stack.emulator.control.setScenario({ name: 'replication-delay', seconds: 60 });
    await s.admin.page.getByRole('button', { name: 'Connect', exact: true }).click();
    await expect(s.admin.page.getByTestId('step-app_registration')).toHaveAttribute(
      'data-status',
      'succeeded',
      { timeout: 90_000 },
    );
    await expect(s.admin.page.locator('[data-testid^="step-"][data-status="waiting"]').first()).toBeVisible({
      timeout: 90_000,
    });
    // Support sees the replication wait as the admin does: waiting, the next try to the second, no error.
    const waiting = s.support.page.locator('li[data-status="waiting"]').first();
    await expect(waiting).toBeVisible({ timeout: 30_000 });
    await expect(waiting.getByTestId('step-wait')).toContainText(/Next try at .*\d{2}:\d{2}:\d{2} UTC/);
    await expect(waiting.getByTestId('step-error')).toHaveCount(0);
    await s.admin.page.getByRole('button', { name: 'Cancel' }).click();
    await expect(s.admin.page.getByRole('status').filter({ hasText: 'Stopped.' })).toBeVisible();
    await expectSupportSees(s.support.page, s.id, s.customer, 'stopped', {
      type: 'setup.stalled',
      received: receiver.received,
    });
    await s.admin.close();
    await s.support.close();
  });

  test('idle', async ({ browser, stack }) => {
    const s = await scenario(browser, stack, 'Idle Co');
    await signIn(s.admin.page, stack, USERS.admin);
    await expectEnvironmentPage(s.admin.page);
    // The admin walks away; the idle job notices after IDLE_SECONDS.
    await expectSupportSees(
      s.support.page,
      s.id,
      s.customer,
      'idle',
      { type: 'setup.stalled', received: receiver.received },
      [/Idle for \d+ (seconds|minute)/],
    );
    await s.admin.close();
    await s.support.close();
  });
});
