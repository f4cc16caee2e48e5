import { expect, test } from './fixtures.ts';
import { startWizardRun } from './customer-admin.ts';
import { STAFF, signInToConsole } from './staff.ts';

test('a secret that expires within 30 days is flagged in the list and on the setup page', async ({
  browser,
  page,
  stack,
}) => {
  test.setTimeout(360_000);
  // The customer's tenant caps secret lifetimes at 20 days: the wizard makes the secret shorter (14 days).
  const scenario = stack.emulator.control.setScenario({ name: 'password-lifetime-capped', maxDays: 20 });
  try {
    const { setup, inviteUrl } = await stack.createSetup({ customerName: 'Short Secret Co' });
    const customer = await startWizardRun(browser, stack.baseUrl, inviteUrl);

    await signInToConsole(page, STAFF.support.upn, `/console/setups/${setup.id}`);
    await expect(page.getByTestId('setup-state')).toHaveText('Verified', { timeout: 240_000 });
    const facts = page.getByRole('region', { name: 'Connection' });
    await expect(facts).toContainText('Secret expires in 14 days');

    await page.getByRole('link', { name: 'All setups' }).click();
    const row = page.getByTestId('setup-row').filter({ hasText: 'Short Secret Co' });
    await expect(row).toContainText('Secret expires in 14 days');
    await customer.close();
  } finally {
    stack.emulator.control.clearScenario(scenario);
  }
});
