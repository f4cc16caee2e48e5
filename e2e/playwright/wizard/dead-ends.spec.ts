import type { Page } from '@playwright/test';
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
  await expect(wayOut.getByRole('button', { name: /Copy\s+invite link/ })).toBeVisible();

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

test('dead ends › a stopped run reopened from the same link resumes where it stopped and reaches Connected', async ({
  page,
  stack,
}) => {
  const { setupId, inviteUrl } = await startSlowRun(page, stack);
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Stopped.' })).toBeVisible();
  expect((await stack.getStatus(setupId)).state).toBe('in_progress');

  // Days later, the same invite link: no locked page, the run picks up where it stopped, nothing is made twice.
  stack.emulator.control.clearScenarios();
  await page.goto(inviteUrl);
  autoSignIn(stack, USERS.admin);
  const signInButton = page.getByRole('button', { name: 'Sign in with Microsoft' });
  await expect(signInButton.or(page.getByTestId('step-app_registration'))).toBeVisible({ timeout: 60_000 });
  if (await signInButton.isVisible()) await signInButton.click();
  await expect(page).toHaveURL(/\/run$/, { timeout: 60_000 });
  await expect(page.getByTestId('step-app_registration')).toHaveAttribute('data-status', 'succeeded');
  await expect(page.getByRole('heading', { level: 1, name: 'Connected' })).toBeVisible({ timeout: 180_000 });
  await expectStatus(stack, setupId, 'verified');
  expectProvisionedOnce(stack);
});
