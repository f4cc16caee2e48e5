import { expect, test } from '../fixtures.ts';
import {
  CONTOSO_PRODUCTION,
  chooseEnvironment,
  connectAndFinish,
  expectAccessible,
  expectEnvironmentPage,
  expectStatus,
  openInvite,
  signIn,
} from './helpers.ts';

test('happy path › from a setup created through the API to verified in the status API', async ({
  page,
  stack,
}) => {
  // The invite names the organisation: the server resolves contoso.com to its tenant through Entra (the emulator).
  const { setupId, token } = await openInvite(page, stack, {
    customerName: 'Contoso Ltd',
    expectedTenantDomain: 'contoso.com',
  });

  // Welcome: the token left the address bar and lives only in session storage.
  await expect(page).toHaveURL(new RegExp(`/setup/${setupId}/welcome$`));
  expect(page.url()).not.toContain(token);
  await expect(page.getByRole('heading', { name: 'What will be created in your tenant' })).toBeVisible();
  await expect(page.getByText('Cloud Application Administrator or Application Administrator')).toBeVisible();
  await expectAccessible(page, 'welcome');

  await signIn(page, stack);
  await expectEnvironmentPage(page);
  await expect(page.getByTestId('preflight-ok')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByText('You are System Administrator here.').first()).toBeVisible();
  await expectAccessible(page, 'environment');

  await chooseEnvironment(page, /Contoso Production/);
  await expect(page.getByTestId('plan-items')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByRole('table', { name: /Table privileges the role/ })).toBeVisible();
  await expectAccessible(page, 'plan');

  await connectAndFinish(page);
  await expect(page.getByTestId('verification')).toHaveAttribute('data-state', 'verified', {
    timeout: 120_000,
  });
  await expect(page.getByRole('heading', { level: 1, name: 'Connected' })).toBeVisible();
  await expect(page.getByTestId('done-tenant')).toHaveText(stack.emulator.tenants.contoso);
  await expect(page.getByTestId('done-environment')).toHaveText(CONTOSO_PRODUCTION);
  await expect(page.getByTestId('done-role')).toHaveText('Kantiv Integration');
  await expect(page.getByRole('link', { name: /Microsoft Entra admin center/ })).toBeVisible();
  await expect(page.getByRole('link', { name: /Power Platform admin center/ })).toBeVisible();
  await expectAccessible(page, 'done');

  await expectStatus(stack, setupId, 'verified');

  // Exactly one app, one application user; the secret never reached browser storage or the address bar.
  const state = stack.emulator.control.state();
  const apps = state.applications.filter((a) => a.tenantId === stack.emulator.tenants.contoso);
  expect(apps).toHaveLength(1);
  const storage = await page.evaluate(() => JSON.stringify({ ...sessionStorage, ...localStorage }));
  expect(storage).not.toMatch(/secretText|clientSecret/i);
});
