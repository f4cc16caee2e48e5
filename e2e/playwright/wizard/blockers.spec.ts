import { expect, test } from '../fixtures.ts';
import {
  USERS,
  chooseEnvironment,
  expectAccessible,
  grantTenantConsent,
  openInvite,
  signInToEnvironments,
  typeEnvironment,
} from './helpers.ts';

test('admin without the Entra role › the preflight says which role is missing and who can fix it', async ({
  page,
  stack,
}) => {
  // Someone consented for the organisation earlier; this admin simply lacks the directory role.
  grantTenantConsent(stack);
  await signInToEnvironments(page, stack, USERS.sysadminOnly);
  const blockers = page.getByRole('alert').filter({ hasText: 'Before you can continue' });
  await expect(blockers).toBeVisible({ timeout: 60_000 });
  await expect(blockers).toContainText(/Application Administrator/);
  await expect(
    page.getByTestId('environments').getByRole('button', { name: /Contoso Production/ }),
  ).toBeDisabled();
  await expect(page.getByRole('button', { name: 'Continue with this address' })).toHaveCount(0);
  await expectAccessible(page, 'environment with a blocker');
});

test('admin who is not System Administrator › the environment is flagged, and the environment itself refuses it', async ({
  page,
  stack,
}) => {
  await signInToEnvironments(page, stack, USERS.cloudAdminOnly);
  await expect(page.getByText(/lists you as not System Administrator here/).first()).toBeVisible({
    timeout: 60_000,
  });
  // Listed last with the reason; Microsoft's list can miss a role held through a team, so choosing it asks the
  // environment, which refuses with the reason.
  const unusable = page.getByTestId('environment-unusable').filter({ hasText: 'Contoso Production' });
  await expect(unusable).toBeVisible();
  await unusable.click();
  const blockers = page.getByRole('alert').filter({ hasText: 'This environment cannot be used yet' });
  await expect(blockers).toBeVisible({ timeout: 60_000 });
  await expect(blockers).toContainText(/System Administrator/);
  // Typed by hand, Dataverse refuses it the same way.
  await typeEnvironment(page, 'contoso.crm.dynamics.com');
  await expect(blockers).toBeVisible({ timeout: 60_000 });
  await expect(blockers).toContainText(/System Administrator/);
  await expect(page).toHaveURL(/\/environment$/);
});

test('environment of another tenant › it is refused with the reason', async ({ page, stack }) => {
  stack.emulator.control.setScenario({ name: 'environment-in-other-tenant' });
  await signInToEnvironments(page, stack);
  await chooseEnvironment(page, /Fabrikam Shared Services/);
  const blockers = page.getByRole('alert').filter({ hasText: 'This environment cannot be used yet' });
  await expect(blockers).toBeVisible({ timeout: 60_000 });
  await expect(blockers).toContainText(/tenant/i);
  await expect(page).toHaveURL(/\/environment$/);
});

test('consent declined › the sign-in page explains it and offers the admin-consent path', async ({
  page,
  stack,
}) => {
  stack.emulator.control.setScenario({ name: 'auto-sign-in', user: USERS.admin });
  stack.emulator.control.setScenario({ name: 'consent-declined' });
  await openInvite(page, stack);
  await page.getByRole('button', { name: 'Sign in with Microsoft' }).click();
  const consent = page.getByTestId('consent-declined');
  await expect(consent).toBeVisible({ timeout: 60_000 });
  const link = consent.getByRole('link', { name: /Grant admin consent/ });
  await expect(link).toHaveAttribute(
    'href',
    /\/v2\.0\/adminconsent\?client_id=.+&scope=.+Application\.ReadWrite\.All/,
  );
  await expect(consent.getByRole('link', { name: 'set up the connection by hand' })).toBeVisible();
  await expect(page).toHaveURL(/\/sign-in$/);
  await expectAccessible(page, 'sign-in with consent declined');
});

test('tenant policy blocking secrets › the run stops at the secret with the exact fix', async ({
  page,
  stack,
}) => {
  stack.emulator.control.setScenario({ name: 'password-credentials-blocked' });
  await signInToEnvironments(page, stack);
  await chooseEnvironment(page, /Contoso Production/);
  await expect(page.getByTestId('plan-items')).toBeVisible({ timeout: 60_000 });
  // Certificates are the default; the policy matters to an admin who chooses a secret.
  await page.getByTestId('credential-choice').getByLabel('Client secret').click();
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await expect(page.getByTestId('run-failed')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('step-credential')).toHaveAttribute('data-status', 'failed');
  await expect(page.getByTestId('run-failed')).toContainText('How to fix it');
  await expect(page.getByRole('button', { name: 'Try again' })).toBeVisible();
  await expectAccessible(page, 'run with a failure');
});

test('tenant policy capping secret lifetime › the secret is shortened and the run completes', async ({
  page,
  stack,
}) => {
  stack.emulator.control.setScenario({ name: 'password-lifetime-capped', maxDays: 180 });
  const { setupId } = await signInToEnvironments(page, stack);
  await chooseEnvironment(page, /Contoso Production/);
  await expect(page.getByTestId('plan-items')).toBeVisible({ timeout: 60_000 });
  await page.getByTestId('credential-choice').getByLabel('Client secret').click();
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await expect(page).toHaveURL(/\/done$/, { timeout: 180_000 });
  const setup = await stack.getSetup(setupId);
  const expires = Date.parse(setup.secretExpiresAt ?? '');
  expect(expires).toBeLessThanOrEqual(Date.now() + 181 * 24 * 3600 * 1000);
  expect(expires).toBeGreaterThan(Date.now() + 170 * 24 * 3600 * 1000);
  await expect(page.getByTestId('done-expiry')).toBeVisible();
});
