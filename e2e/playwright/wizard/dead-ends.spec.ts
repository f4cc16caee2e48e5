import type { Page } from '@playwright/test';
import type { Stack } from '@kantiv/dev/stack';
import { expect, test } from '../fixtures.ts';
import {
  CONTOSO_PRODUCTION,
  USERS,
  autoSignIn,
  chooseEnvironment,
  connectAndFinish,
  expectAccessible,
  expectEnvironmentPage,
  expectProvisionedOnce,
  expectStatus,
  fillSecretExpiry,
  grantTenantConsent,
  openManual,
  provisionByHand,
  signInOnManualPage,
  signIn,
  signInToEnvironments,
  signInWithMicrosoft,
  startSlowRun,
} from './helpers.ts';

const preflightBlocker = (page: Page) =>
  page.getByRole('alert').filter({ hasText: 'Before you can continue' });

test('dead ends › a missing Entra role offers forwarding, another account and check again, and each works', async ({
  page,
  stack,
}) => {
  // Consented for the organization earlier; this admin lacks the directory role for now.
  grantTenantConsent(stack);
  const noRole = stack.emulator.control.setScenario({ name: 'admin-without-entra-role' });
  const { inviteUrl } = await signInToEnvironments(page, stack);
  await expect(preflightBlocker(page)).toBeVisible({ timeout: 60_000 });
  const wayOut = page.getByTestId('blocker-way-out');
  await expect(wayOut).toBeVisible();
  await expectAccessible(page, 'environment blocker with its way out');

  // Forward: the invite link itself, copied or in an e-mail ready to send.
  const mail = wayOut.getByRole('link', { name: 'Email the link to a colleague' });
  const href = (await mail.getAttribute('href')) ?? '';
  expect(decodeURIComponent(href)).toContain(inviteUrl);
  // Copy puts the same link on the clipboard.
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await wayOut.getByRole('button', { name: /Copy\s+invite link/ }).click();
  await expect(wayOut.getByRole('status').filter({ hasText: 'copied' })).toHaveText(/invite link copied/i);
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(inviteUrl);

  // Check again, once the role is there: the blocker is gone and an environment can be chosen.
  stack.emulator.control.clearScenario(noRole);
  await wayOut.getByRole('button', { name: 'Check again' }).click();
  await expect(page.getByTestId('preflight-ok')).toBeVisible({ timeout: 60_000 });
  await expect(preflightBlocker(page)).toHaveCount(0);
  await expect(
    page.getByTestId('environments').getByRole('button', { name: /Contoso Production/ }),
  ).toBeEnabled();
});

test('dead ends › another account from the blocker leads to a working sign-in', async ({ page, stack }) => {
  grantTenantConsent(stack);
  await signInToEnvironments(page, stack, USERS.sysadminOnly);
  await expect(preflightBlocker(page)).toBeVisible({ timeout: 60_000 });
  await page.getByRole('button', { name: 'Sign in with another account' }).click();
  await expect(page).toHaveURL(/\/sign-in$/);
  // The first admin's automatic sign-in ends; Microsoft now signs in the colleague.
  stack.emulator.control.clearScenarios();
  await signInWithMicrosoft(page, stack, USERS.admin);
  await expectEnvironmentPage(page);
  await expect(page.getByTestId('preflight-ok')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByText(USERS.admin)).toBeVisible();
});

test('dead ends › an environment that refuses the admin (not System Administrator) offers the way out; a colleague who is signs in and goes on', async ({
  page,
  stack,
}) => {
  const { inviteUrl } = await signInToEnvironments(page, stack, USERS.cloudAdminOnly);
  const unusable = page.getByTestId('environment-unusable').filter({ hasText: 'Contoso Production' });
  await unusable.click({ timeout: 60_000 });
  const refused = page.getByRole('alert').filter({ hasText: 'This environment cannot be used yet' });
  await expect(refused).toContainText(/System Administrator/, { timeout: 60_000 });
  const wayOut = page.getByTestId('blocker-way-out');
  await expect(wayOut.getByRole('heading', { level: 2, name: 'What you can do now' })).toBeVisible();
  const mail = wayOut.getByRole('link', { name: 'Email the link to a colleague' });
  expect(decodeURIComponent((await mail.getAttribute('href')) ?? '')).toContain(inviteUrl);
  await expect(wayOut.getByRole('button', { name: 'Check again' })).toBeVisible();

  // The colleague who is System Administrator there signs in on the same page and chooses the environment.
  await wayOut.getByRole('button', { name: 'Sign in with another account' }).click();
  await expect(page).toHaveURL(/\/sign-in$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in with Microsoft' })).toBeVisible();
  stack.emulator.control.clearScenarios();
  await signInWithMicrosoft(page, stack, USERS.admin);
  await expectEnvironmentPage(page);
  await chooseEnvironment(page, /Contoso Production/);
  await expect(page).toHaveURL(/\/plan$/, { timeout: 60_000 });
  await expect(page.getByTestId('plan-items')).toBeVisible({ timeout: 60_000 });
});

test('dead ends › closing the tab while the run is busy asks first', async ({ page, stack }) => {
  await startSlowRun(page, stack, 30);
  const dialog = page.waitForEvent('dialog');
  void page.close({ runBeforeUnload: true });
  const asked = await dialog;
  expect(asked.type()).toBe('beforeunload');
  await asked.dismiss();
  // Staying keeps the run going.
  await expect(page.getByTestId('step-app_registration')).toHaveAttribute('data-status', 'succeeded');
  expect(page.isClosed()).toBe(false);
});

test('dead ends › a failed verification reopened offers Run it again, which reaches Connected', async ({
  page,
  stack,
}) => {
  // A credential Kantiv cannot verify (a wrong secret), sent by hand: the setup fails.
  const credential = await provisionByHand(stack);
  const { setupId, inviteUrl } = await openManual(page, stack);
  await signInOnManualPage(page, stack);
  await page.getByLabel('Application (client) ID').fill(credential.clientId);
  await page.getByLabel('Environment URL').fill(CONTOSO_PRODUCTION);
  await page.getByLabel('Client secret value').fill('not-a-real-secret-value-0123456789');
  await fillSecretExpiry(page);
  await page.getByRole('button', { name: 'Send to Kantiv and verify' }).click();
  await expectStatus(stack, setupId, 'failed');

  // The same link opened again: the failure is explained, and the way on is offered, not a locked page.
  await page.goto(inviteUrl);
  await expect(page.getByTestId('verification')).toHaveAttribute('data-state', 'failed', { timeout: 60_000 });
  await page.getByRole('button', { name: 'Run it again' }).click();
  autoSignIn(stack, USERS.admin);
  await expectEnvironmentPage(page);
  await chooseEnvironment(page, /Contoso Production/);
  await connectAndFinish(page);
  await expect(page.getByRole('heading', { level: 1, name: 'Connected' })).toBeVisible({ timeout: 120_000 });
  await expectStatus(stack, setupId, 'verified');
});

/** Requests the run itself makes (Graph and Dataverse); sign-in and the environment list are not counted. */
function runRequests(stack: Stack): number {
  return stack.emulator.control.requestLog().filter((e) => e.service === 'graph' || e.service === 'dataverse')
    .length;
}

/** The run page of this setup, by its own heading. */
async function expectRunPage(page: Page, stack: Stack, setupId: string): Promise<void> {
  const { customerName } = await stack.getSetup(setupId);
  await expect(page).toHaveURL(/\/run$/, { timeout: 60_000 });
  await expect(
    page.getByRole('heading', { level: 1, name: `Connecting ${customerName} to Kantiv`, exact: true }),
  ).toBeVisible();
}

/** Opened again, the run waits for the admin: for a while nothing runs, and the page offers "Run it again". */
async function expectWaitingForAdmin(page: Page, stack: Stack): Promise<void> {
  await expect(page.getByRole('button', { name: 'Run it again' })).toBeVisible();
  const before = runRequests(stack);
  await page.waitForTimeout(4_000);
  expect(runRequests(stack), 'requests to Graph and Dataverse while the page waited').toBe(before);
  await expect(page.getByRole('button', { name: 'Cancel' })).toHaveCount(0);
  await expect(
    page.locator('[data-testid^="step-"]:is([data-status="waiting"], [data-status="running"])'),
  ).toHaveCount(0);
}

/** On the invite link in a tab that signed in before: the run page, or a sign-in first. */
async function reopen(page: Page, stack: Stack, inviteUrl: string): Promise<void> {
  await page.goto(inviteUrl);
  autoSignIn(stack, USERS.admin);
  const signInButton = page.getByRole('button', { name: 'Sign in with Microsoft' });
  await expect(signInButton.or(page.getByTestId('step-app_registration'))).toBeVisible({ timeout: 60_000 });
  if (await signInButton.isVisible()) await signInButton.click();
}

test('dead ends › a stopped run reopened from the same link waits for Run it again, then resumes where it stopped', async ({
  page,
  stack,
}) => {
  const { setupId, inviteUrl } = await startSlowRun(page, stack);
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Stopped.' })).toBeVisible();
  expect((await stack.getStatus(setupId)).state).toBe('in_progress');

  // Days later, the same invite link: the run stands where it stopped, and runs only when the admin says so.
  stack.emulator.control.clearScenarios();
  await reopen(page, stack, inviteUrl);
  await expectRunPage(page, stack, setupId);
  await expect(page.getByTestId('run-stopped')).toHaveText(
    'This setup stopped before it finished. What was already created stays; run it again and it continues where it stopped, creating nothing twice.',
  );
  await expect(page.getByTestId('step-app_registration')).toHaveAttribute('data-status', 'succeeded');
  await expect(
    page.locator('[data-testid^="step-"]').filter({ hasText: 'Stopped before it finished' }).first(),
  ).toBeVisible();
  await expectWaitingForAdmin(page, stack);
  await expectAccessible(page, 'a stopped run opened again');

  await page.getByRole('button', { name: 'Run it again' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Connected' })).toBeVisible({ timeout: 180_000 });
  await expectStatus(stack, setupId, 'verified');
  expectProvisionedOnce(stack);
});

test('dead ends › a stopped run opened from a new link from support, in another browser, offers Run it again and reaches Connected', async ({
  browser,
  page,
  stack,
}) => {
  const { setupId } = await startSlowRun(page, stack);
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Stopped.' })).toBeVisible();
  await page.close();
  stack.emulator.control.clearScenarios();

  // Support sends a new link (the old one stops working); the admin opens it elsewhere, with nothing kept.
  const res = await stack.api(`/api/v1/setups/${setupId}/invite`, { method: 'POST', body: {} });
  expect(res.status).toBe(200);
  const { inviteUrl } = (await res.json()) as { inviteUrl: string };
  const context = await browser.newContext({ baseURL: stack.baseUrl });
  const admin = await context.newPage();
  await admin.goto(inviteUrl);
  await signIn(admin, stack);
  // Signed in, the admin lands where the setup stands, not on a fresh environment choice.
  await expectRunPage(admin, stack, setupId);
  await expect(admin.getByTestId('run-stopped')).toContainText('This setup stopped before it finished.');
  await expect(admin.getByTestId('step-app_registration')).toHaveAttribute('data-status', 'succeeded');
  await expectWaitingForAdmin(admin, stack);

  // This browser holds no choices: Run it again asks for the environment once, then the plan, then it runs.
  await admin.getByRole('button', { name: 'Run it again' }).click();
  await expectEnvironmentPage(admin);
  await chooseEnvironment(admin, /Contoso Production/);
  await connectAndFinish(admin);
  await expect(admin.getByRole('heading', { level: 1, name: 'Connected' })).toBeVisible({ timeout: 120_000 });
  await expectStatus(stack, setupId, 'verified');
  expectProvisionedOnce(stack);
  await context.close();
});

test('dead ends › a run that failed, opened again, shows why and offers Run it again, which reaches Connected', async ({
  page,
  stack,
}) => {
  const { setupId, inviteUrl } = await startSlowRun(page, stack);
  const outage = stack.emulator.control.setScenario({
    name: 'service-unavailable',
    service: 'dataverse',
    retryAfterSeconds: 1,
  });
  await expect(page.getByTestId('run-failed')).toBeVisible({ timeout: 120_000 });
  // Dataverse is back by the time the admin opens the link again.
  stack.emulator.control.clearScenario(outage);
  stack.emulator.control.clearScenarios();

  await reopen(page, stack, inviteUrl);
  await expectRunPage(page, stack, setupId);
  const failed = page.getByTestId('run-failed');
  await expect(failed).toContainText('The setup stopped');
  await expect(failed).toContainText('Microsoft is busy or unavailable right now.');
  await expect(page.getByTestId('step-application_user')).toHaveAttribute('data-status', 'failed');
  await expectWaitingForAdmin(page, stack);

  await page.getByRole('button', { name: 'Run it again' }).click();
  await expect(failed).toHaveCount(0);
  await expect(page.getByRole('heading', { level: 1, name: 'Connected' })).toBeVisible({ timeout: 180_000 });
  await expectStatus(stack, setupId, 'verified');
  expectProvisionedOnce(stack);
});
