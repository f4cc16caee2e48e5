import { expect, test } from './fixtures.ts';
import { startWizardRun } from './customer-admin.ts';
import { STAFF, signInToConsole } from './staff.ts';

test("a failed step shows Microsoft's code, message and request id and the fix the admin was shown, live", async ({
  browser,
  page,
  stack,
}) => {
  test.setTimeout(360_000);
  // The customer's tenant forbids certificates and client secrets (an app management policy): the credential step
  // falls back from the certificate to a secret, which is refused too, and fails.
  const certificates = stack.emulator.control.setScenario({ name: 'certificate-credentials-blocked' });
  const scenario = stack.emulator.control.setScenario({ name: 'password-credentials-blocked' });
  try {
    const { setup, inviteUrl } = await stack.createSetup({ customerName: 'Blocked Secret Co' });
    await signInToConsole(page, STAFF.support.upn, `/console/setups/${setup.id}`);
    await expect(page.locator('[data-stream="live"]')).toBeVisible({ timeout: 30_000 });

    const customer = await startWizardRun(browser, stack, inviteUrl);
    const credential = page.getByTestId('step-credential');
    await expect(credential).toHaveAttribute('data-status', 'failed', { timeout: 180_000 });
    await expect(credential).toContainText('Error CredentialTypeNotAllowedAsPerAppPolicy');
    await expect(credential).toContainText('Microsoft request id:');
    await expect(credential).toContainText('Fix shown to the admin:');
    await expect(credential).toContainText('policy');
    // Present first: `not.toHaveText` alone also passes when the element is missing (an error page).
    await expect(page.getByTestId('setup-state')).toBeVisible();
    await expect(page.getByTestId('setup-state')).not.toHaveText('Verified');
    await customer.close();
  } finally {
    stack.emulator.control.clearScenario(scenario);
    stack.emulator.control.clearScenario(certificates);
  }
});
