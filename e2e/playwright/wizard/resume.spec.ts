import { expect, test } from '../fixtures.ts';
import { expectProvisionedOnce, expectStatus, startSlowRun } from './helpers.ts';

test('resume › a reload in the middle of the run lands on the run and finishes without duplicating anything', async ({
  page,
  stack,
}) => {
  // New objects stay invisible to Dataverse for a while, so the run is still busy when the admin reloads.
  const { setupId } = await startSlowRun(page, stack, 15);

  await page.reload();
  await expect(page).toHaveURL(/\/run$/);
  await expect(page.getByText('Work finished earlier is found again and not repeated.')).toBeVisible();
  await expect(page).toHaveURL(/\/done$/, { timeout: 180_000 });
  await expectStatus(stack, setupId, 'verified', 180_000);

  // A reload of the done page stays there: finished work is never offered again.
  await page.goto(`/setup/${setupId}/plan`);
  await expect(page).toHaveURL(/\/done$/);

  expectProvisionedOnce(stack);
});
