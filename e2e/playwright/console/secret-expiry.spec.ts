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
  // And it refuses certificates, so the wizard falls back to a client secret (certificates are the default).
  const noCertificates = stack.emulator.control.setScenario({ name: 'certificate-credentials-blocked' });
  try {
    const { setup, inviteUrl } = await stack.createSetup({ customerName: 'Short Secret Co' });
    // Contoso Production is connected already on the shared stack (live-timeline.spec.ts).
    const customer = await startWizardRun(browser, stack, inviteUrl, 'Contoso Sandbox');

    await signInToConsole(page, STAFF.support.upn, `/console/setups/${setup.id}`);
    await expect(page.getByTestId('setup-state')).toHaveText('Verified', { timeout: 240_000 });
    const facts = page.getByRole('region', { name: 'Connection' });
    await expect(facts).toContainText('Secret expires in 14 days');
    // Which secret, by Graph's keyId (never its value).
    await expect(facts).toContainText(/Key id [0-9a-f-]{36}/);

    await page.getByRole('link', { name: 'All setups' }).click();
    const row = page.getByTestId('setup-row').filter({ hasText: 'Short Secret Co' });
    await expect(row).toContainText('Secret expires in 14 days');
    await expect(row.getByTestId('row-credential')).toContainText('Client secret');

    // The filter "expires within N days": within 30 it is listed, within 7 it is not (14 days are left).
    const within = page.getByLabel('Credential expires within');
    await within.selectOption('30');
    await expect(page).toHaveURL(/expiresWithinDays=30/);
    await expect(row).toBeVisible();
    await within.selectOption('7');
    await expect(page).toHaveURL(/expiresWithinDays=7/);
    await expect(row).toHaveCount(0);
    await customer.close();
  } finally {
    stack.emulator.control.clearScenario(scenario);
    stack.emulator.control.clearScenario(noCertificates);
  }
});
