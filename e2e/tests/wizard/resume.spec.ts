import { expect, test } from '../fixtures.ts';
import {
  CONTOSO_PRODUCTION,
  chooseEnvironment,
  expectEnvironmentPage,
  expectStatus,
  openInvite,
  signIn,
} from './helpers.ts';

test('resume › a reload in the middle of the run lands on the run and finishes without duplicating anything', async ({
  page,
  stack,
}) => {
  const { setupId } = await openInvite(page, stack);
  await signIn(page, stack);
  await expectEnvironmentPage(page);
  await chooseEnvironment(page, /Contoso Production/);
  await expect(page.getByTestId('plan-items')).toBeVisible({ timeout: 60_000 });

  // New objects stay invisible to Dataverse for a while, so the run is still busy when the admin reloads.
  stack.emulator.control.setScenario({ name: 'replication-delay', seconds: 15 });
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await expect(page.getByTestId('step-app_registration')).toHaveAttribute('data-status', 'succeeded', {
    timeout: 90_000,
  });

  await page.reload();
  await expect(page).toHaveURL(/\/run$/);
  await expect(page.getByText('Work finished earlier is found again and not repeated.')).toBeVisible();
  await expect(page).toHaveURL(/\/done$/, { timeout: 180_000 });
  await expectStatus(stack, setupId, 'verified', 180_000);

  // A reload of the done page stays there: finished work is never offered again.
  await page.goto(`/setup/${setupId}/plan`);
  await expect(page).toHaveURL(/\/done$/);

  const state = stack.emulator.control.state();
  const contoso = stack.emulator.tenants.contoso;
  const apps = state.applications.filter((a) => a.tenantId === contoso);
  expect(apps).toHaveLength(1);
  const app = apps[0];
  expect(app?.passwordCredentials.filter((p) => p.displayName === 'Kantiv secret')).toHaveLength(1);
  expect(state.servicePrincipals.filter((s) => s.appId === app?.appId)).toHaveLength(1);
  const env = state.environments.find((e) => e.url === CONTOSO_PRODUCTION);
  const appUsers = env?.systemUsers.filter((u) => u.applicationid === app?.appId) ?? [];
  expect(appUsers).toHaveLength(1);
  expect(appUsers[0]?.roles).toEqual(['Kantiv Integration']);
});
