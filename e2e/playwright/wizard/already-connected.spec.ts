import { expect, test } from '../fixtures.ts';
import {
  chooseEnvironment,
  connectAndFinish,
  expectEnvironmentPage,
  expectStatus,
  openInvite,
  signIn,
} from './helpers.ts';

test('already connected › an invite for an environment another setup of the tenant connected says so and points to a repair, not a second connection', async ({
  page,
  stack,
}) => {
  const first = await openInvite(page, stack);
  await signIn(page, stack);
  await expectEnvironmentPage(page);
  await chooseEnvironment(page, /Contoso Production/);
  await expect(page.getByTestId('plan-items')).toBeVisible({ timeout: 60_000 });
  await connectAndFinish(page);
  await expect(page.getByTestId('verification')).toHaveAttribute('data-state', 'verified', {
    timeout: 120_000,
  });
  await expectStatus(stack, first.setupId, 'verified');

  // A second invite in the same tenant: Production is listed as connected already.
  const second = await openInvite(page, stack);
  await signIn(page, stack);
  await expectEnvironmentPage(page);
  const environments = page.getByTestId('environments');
  await expect(environments).toContainText('Already connected to Kantiv by an earlier setup.');
  await chooseEnvironment(page, /Contoso Production/);
  const blocker = page.getByTestId('blocker-environment_already_connected');
  await expect(blocker).toContainText('Contoso Production is already connected to Kantiv');
  await expect(blocker).toContainText('repair link');
  await expect(page).toHaveURL(new RegExp(`/setup/${second.setupId}/environment$`));

  // Another environment of the tenant is still offered as usual.
  await chooseEnvironment(page, /Contoso Sandbox/);
  await expect(page.getByTestId('plan-items')).toBeVisible({ timeout: 60_000 });
});
