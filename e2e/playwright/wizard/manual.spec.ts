import type { Page } from '@playwright/test';
import type { CredentialHandoffRequest } from '@kantiv/shared/credentials';
import { expect, test } from '../fixtures.ts';
import {
  expectAccessible,
  expectStatus,
  fillSecretExpiry,
  openManual,
  provisionByHand,
  signInOnManualPage,
} from './helpers.ts';

/** Fills the four values (the tenant is prefilled by the sign-in) and sends them. */
async function sendDetails(page: Page, credential: CredentialHandoffRequest, secret: string) {
  await page.getByLabel('Application (client) ID').fill(credential.clientId);
  await page.getByLabel('Environment URL').fill(credential.environmentUrl);
  await page.getByLabel('Client secret value').fill(secret);
  await fillSecretExpiry(page);
  await page.getByRole('button', { name: 'Send to Kantiv and verify' }).click();
}

const refused = (page: Page) =>
  page.getByRole('alert').filter({ hasText: 'Kantiv could not sign in with these details' });

test('manual path › five steps with exact values, validated as typed, a wrong secret then the right one', async ({
  page,
  stack,
}) => {
  const credential = await provisionByHand(stack);
  const { setupId } = await openManual(page, stack);

  const steps = page.locator('.manual-steps > li');
  await expect(steps).toHaveCount(5);
  await expect(page.getByText('Kantiv Dataverse Connector', { exact: true })).toBeVisible();
  await expect(page.getByText('Kantiv secret', { exact: true })).toBeVisible();
  await expect(page.getByText('user_impersonation', { exact: true })).toBeVisible();
  await expect(page.getByRole('button', { name: /Copy\s+Name/ })).toBeVisible();
  await expectAccessible(page, 'manual path');

  await signInOnManualPage(page, stack);

  const tenant = page.getByLabel('Directory (tenant) ID');
  await expect(tenant).toHaveValue(credential.tenantId);
  const client = page.getByLabel('Application (client) ID');
  await client.fill('not-a-guid');
  await expect(client).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByText('Enter the client ID: 32 hexadecimal characters')).toBeVisible();
  await client.fill(credential.clientId);
  await expect(client).not.toHaveAttribute('aria-invalid', 'true');
  await page.getByLabel('Environment URL').fill(credential.environmentUrl);

  const secret = page.getByLabel('Client secret value');
  await secret.fill(`${credential.clientSecret}-wrong`);
  await fillSecretExpiry(page);
  await page.getByRole('button', { name: 'Send to Kantiv and verify' }).click();
  await expect(refused(page)).toBeVisible({ timeout: 120_000 });
  await expect(secret).toHaveValue('');

  await secret.fill(credential.clientSecret);
  await page.getByRole('button', { name: 'Send to Kantiv and verify' }).click();
  await expect(page).toHaveURL(/\/done$/, { timeout: 120_000 });
  await expect(page.getByRole('heading', { level: 1, name: 'Connected' })).toBeVisible();
  await expectStatus(stack, setupId, 'verified');

  expect(page.url()).not.toContain(credential.clientSecret);
  const storage = await page.evaluate(() => JSON.stringify({ ...sessionStorage, ...localStorage }));
  expect(storage).not.toContain(credential.clientSecret);
});

test('manual path › accessible when empty, with errors, sending, verifying, refused and verified', async ({
  page,
  stack,
}) => {
  const credential = await provisionByHand(stack);
  const { setupId } = await openManual(page, stack);
  await signInOnManualPage(page, stack);
  await expectAccessible(page, 'manual page, empty form');

  // Sent empty: every missing value is flagged and focus goes to the first one.
  const send = page.getByRole('button', { name: 'Send to Kantiv and verify' });
  await send.click();
  const client = page.getByLabel('Application (client) ID');
  await expect(client).toHaveAttribute('aria-invalid', 'true');
  await expect(client).toBeFocused();
  await expect(page.getByLabel('Client secret value')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByText('Paste the secret’s Value.')).toBeVisible();
  await expectAccessible(page, 'manual page with validation errors');

  // Sending: the hand-off is held back until the page has been checked.
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  await page.route('**/api/v1/wizard/credentials', async (route) => {
    await released;
    await route.continue();
  });
  // Entra answers slowly, so Kantiv's check of the (wrong) secret stays visible while it runs.
  const slow = stack.emulator.control.setScenario({ name: 'latency', service: 'entra', ms: 8000 });
  await sendDetails(page, credential, `${credential.clientSecret}-wrong`);
  await expect(page.getByRole('button', { name: 'Sending…' })).toBeDisabled();
  await expectAccessible(page, 'manual page while sending');
  release();

  await expect(page.getByText('Kantiv is signing in with these details and reading each table…')).toBeVisible(
    {
      timeout: 60_000,
    },
  );
  await expect(page.getByRole('button', { name: 'Kantiv is verifying…' })).toBeDisabled();
  await expectAccessible(page, 'manual page while Kantiv verifies');

  await expect(refused(page)).toBeVisible({ timeout: 120_000 });
  await expectAccessible(page, 'manual page after a refused secret');

  stack.emulator.control.clearScenario(slow);
  await page.getByLabel('Client secret value').fill(credential.clientSecret);
  await send.click();
  await expect(page).toHaveURL(/\/done$/, { timeout: 120_000 });
  await expect(page.getByRole('heading', { level: 1, name: 'Connected' })).toBeVisible();
  await expectStatus(stack, setupId, 'verified');
  await expectAccessible(page, 'done page after the manual path');
});

test('manual path › a bare environment address, a missing expiry and a wrong secret, each answered plainly', async ({
  page,
  stack,
}) => {
  const credential = await provisionByHand(stack);
  const { setupId } = await openManual(page, stack);
  await signInOnManualPage(page, stack);
  // Who signed in decides the tenant: it is prefilled.
  await expect(page.getByLabel('Directory (tenant) ID')).toHaveValue(credential.tenantId);

  const client = page.getByLabel('Application (client) ID');
  await client.fill(credential.clientId);
  await page.getByLabel('Client secret value').fill(`${credential.clientSecret}-wrong`);
  // The address as the admin center prints it, without https://.
  const environment = page.getByLabel('Environment URL');
  await environment.fill(new URL(credential.environmentUrl).host);
  await expect(environment).not.toHaveAttribute('aria-invalid', 'true');

  // No expiry date: that field is marked and takes the focus.
  await page.getByRole('button', { name: 'Send to Kantiv and verify' }).click();
  const expiry = page.getByLabel('Client secret expires on');
  await expect(expiry).toHaveAttribute('aria-invalid', 'true');
  await expect(expiry).toBeFocused();
  const date = await fillSecretExpiry(page);
  await page.getByRole('button', { name: 'Send to Kantiv and verify' }).click();

  // One plain sentence; Microsoft's own text and code only under "details". Typed values stay, the secret goes.
  const refusal = page.getByTestId('manual-refused');
  await expect(refusal).toBeVisible({ timeout: 120_000 });
  await expect(refusal.locator('p').first()).toHaveText(
    'Kantiv could not sign in with these details. Microsoft did not accept the client secret: copy its Value (not its Secret ID) and send it again.',
  );
  await expect(refusal.getByText(/AADSTS7000215/).first()).toBeHidden();
  await refusal.getByText('Details from Microsoft').click();
  await expect(refusal.getByText(/AADSTS7000215/).first()).toBeVisible();
  await expect(client).toHaveValue(credential.clientId);
  await expect(environment).toHaveValue(new URL(credential.environmentUrl).host);
  await expect(expiry).toHaveValue(date);
  await expect(page.getByLabel('Client secret value')).toHaveValue('');
  await expectAccessible(page, 'manual page, secret refused');

  await page.getByLabel('Client secret value').fill(credential.clientSecret);
  await page.getByRole('button', { name: 'Send to Kantiv and verify' }).click();
  await expectStatus(stack, setupId, 'verified');
  // The expiry the admin typed is what Kantiv keeps for its reminders.
  expect((await stack.getSetup(setupId)).secretExpiresAt?.slice(0, 10)).toBe(date);
});
