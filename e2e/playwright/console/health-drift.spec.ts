import { startStack } from '@kantiv/dev/stack';
import { stackTest } from '../fixtures.ts';
import { expectNoSeriousA11yViolations } from './axe.ts';
import { startWizardRun } from './customer-admin.ts';
import { expect } from './fixtures.ts';
import { STAFF, signInToConsole } from './staff.ts';

/**
 * A stack of its own whose health checks come every few seconds (instead of hourly), so a drift caused in the
 * emulator is named within the test; the shared console stack keeps the default schedule for the other specs.
 */
const test = stackTest(() =>
  startStack({
    serverEnv: {
      JOB_POLL_MS: '100',
      VERIFICATION_RETRY_MAX_MS: '2000',
      VERIFICATION_MAX_WAIT_SECONDS: '120',
      HEALTH_CHECK_INTERVAL_SECONDS: '3',
      HEALTH_SWEEP_MS: '500',
    },
  }),
);

test('a drifted setup shows its health, the cause and the fix in the list and on the setup page', async ({
  browser,
  page,
  stack,
}) => {
  test.setTimeout(360_000);
  const { setup, inviteUrl } = await stack.createSetup({ customerName: 'Drifting Co' });
  const customer = await startWizardRun(browser, stack, inviteUrl);
  await signInToConsole(page, STAFF.support.upn, `/console/setups/${setup.id}`);
  await expect(page.getByTestId('setup-state')).toHaveText('Verified', { timeout: 240_000 });
  await expect(page.getByTestId('health-value')).toHaveText('healthy', { timeout: 30_000 });
  await customer.close();

  // The customer's admin deletes Kantiv's application user in Dataverse.
  const { clientId } = await stack.getSetup(setup.id);
  const environmentUrl = stack.emulator.urls.environments.find((e) => e.name === 'Contoso Production')!.url;
  stack.emulator.control.drift({ kind: 'delete-app-user', environmentUrl, appId: clientId! });

  await expect(page.getByTestId('health-value')).toHaveText('broken', { timeout: 30_000 });
  await expect(page.getByTestId('health-cause')).toContainText(/application user/i);
  await expect(page.getByTestId('health-fix')).toContainText(/repair link/i);
  await expect(page.getByTestId('health-history')).toContainText('broken');
  await expectNoSeriousA11yViolations(page, 'the setup page of a broken setup');

  await page.getByRole('link', { name: 'All setups' }).click();
  const row = page.getByTestId('setup-row').filter({ hasText: 'Drifting Co' });
  await expect(row.getByTestId('row-health')).toContainText('broken');
  await expect(row.getByTestId('row-health-cause')).toContainText(/application user/i);
  await expect(row.getByTestId('row-health-cause')).toContainText(/Fix:/);
  await expectNoSeriousA11yViolations(page, 'the console list with a broken setup');
});
