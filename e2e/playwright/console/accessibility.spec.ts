import { expect, test } from './fixtures.ts';
import { expectNoSeriousA11yViolations } from './axe.ts';
import { STAFF, signInToConsole } from './staff.ts';

test.describe('axe-core finds no serious or critical violation', () => {
  // Generous: sign-in, axe and the server share two cores with the browser.
  test.describe.configure({ timeout: 180_000 });

  test('on the sign-in page', async ({ page }) => {
    await page.goto('/console');
    await expect(page.getByRole('button', { name: 'Sign in with Microsoft' })).toBeVisible();
    await expectNoSeriousA11yViolations(page, 'the console sign-in page');
  });

  test('on every page support uses, in each of its states', async ({ page, stack }) => {
    const { setup } = await stack.createSetup({
      customerName: 'Accessible Co',
      expectedTenantDomain: 'contoso.com',
    });

    await signInToConsole(page, STAFF.support.upn, '/console/setups');
    await expect(page.getByRole('heading', { level: 1, name: 'Setups', exact: true })).toBeVisible();
    await expect(page.getByTestId('setup-row').first()).toBeVisible();
    await expectNoSeriousA11yViolations(page, 'the setups list');

    await page.getByRole('searchbox', { name: 'Customer' }).fill('no such customer anywhere');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect(page.getByText('No setup matches these filters.')).toBeVisible();
    await expectNoSeriousA11yViolations(page, 'the setups list without results');

    await page.getByRole('link', { name: 'New setup' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'New setup' })).toBeVisible();
    await expectNoSeriousA11yViolations(page, 'the new setup form');
    await page.getByRole('radio', { name: 'A custom manifest (JSON)' }).check();
    await page.getByRole('button', { name: 'Create setup' }).click();
    await expect(page.getByLabel('Customer name')).toHaveAttribute('aria-invalid', 'true');
    await expectNoSeriousA11yViolations(page, 'the new setup form with errors');
    await page.getByRole('radio', { name: "Kantiv's default manifest" }).check();
    await page.getByLabel('Customer name').fill('Accessible Two');
    await page.getByRole('button', { name: 'Create setup' }).click();
    await expect(page.getByTestId('invite-url')).toBeVisible();
    await expectNoSeriousA11yViolations(page, 'the invite link shown once');

    // The invite link was not copied, so leaving asks first (beforeunload): leave anyway.
    page.once('dialog', (dialog) => void dialog.accept());
    await page.goto(`/console/setups/${setup.id}`);
    await expect(page.getByRole('heading', { level: 1, name: 'Accessible Co', exact: true })).toBeVisible();
    await expect(page.locator('[data-stream="live"]')).toBeVisible({ timeout: 30_000 });
    await expectNoSeriousA11yViolations(page, 'the setup detail page');
    await page.getByRole('button', { name: 'New invite link' }).click();
    await expect(page.getByTestId('new-invite-url')).toBeVisible();
    await page.getByRole('button', { name: 'Revoke', exact: true }).click();
    await expect(page.getByRole('group', { name: 'Confirm revoke' })).toBeVisible();
    await expectNoSeriousA11yViolations(
      page,
      'the setup detail page with a new invite link and a revoke prompt',
    );

    await page.getByRole('link', { name: 'API keys' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'API keys', exact: true })).toBeVisible();
    await page.getByLabel('Name').fill('a11y-key');
    await page.getByRole('checkbox', { name: /setups:read/ }).check();
    await page.getByRole('button', { name: 'Create key' }).click();
    await expect(page.getByTestId('new-api-key')).toBeVisible();
    await expectNoSeriousA11yViolations(page, 'the API keys page with a new key');

    await page.getByRole('link', { name: 'Webhooks' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Webhooks', exact: true })).toBeVisible();
    await page.getByLabel('Receiver URL').fill('https://hooks.example.com/a11y');
    await page.getByRole('checkbox', { name: 'setup.verified' }).check();
    await page.getByRole('button', { name: 'Add subscription' }).click();
    await expect(page.getByLabel('Signing key')).toBeVisible();
    await expectNoSeriousA11yViolations(page, 'the webhooks page');

    await page.getByRole('link', { name: 'Audit log' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Audit log', exact: true })).toBeVisible();
    await expect(page.getByTestId('audit-row').first()).toBeVisible();
    await expectNoSeriousA11yViolations(page, 'the audit log');

    await page.goto('/console/no-such-page');
    await expect(page.getByRole('heading', { level: 1, name: 'Page not found' })).toBeVisible();
    await expectNoSeriousA11yViolations(page, 'the console page-not-found');
  });

  test('on the pages read-only staff see, with every action disabled', async ({ page, stack }) => {
    const { setup } = await stack.createSetup({ customerName: 'Read Only Accessible Co' });
    await signInToConsole(page, STAFF.viewer.upn, `/console/setups/${setup.id}`);
    await expect(page.getByRole('button', { name: 'Re-verify' })).toBeDisabled();
    await expectNoSeriousA11yViolations(page, 'the read-only setup detail page');
    // Each page by its own heading: axe on an error page would pass for the wrong page.
    for (const [path, heading, what] of [
      ['/console/setups', 'Setups', 'the read-only setups list'],
      ['/console/setups/new', 'New setup', 'the read-only new setup form'],
      ['/console/api-keys', 'API keys', 'the read-only API keys page'],
      ['/console/webhooks', 'Webhooks', 'the read-only webhooks page'],
      ['/console/audit', 'Audit log', 'the read-only audit log'],
    ] as const) {
      await page.goto(path);
      await expect(page.getByRole('heading', { level: 1, name: heading, exact: true })).toBeVisible();
      await expect(page.getByRole('status').filter({ hasText: /^Loading/ })).toHaveCount(0);
      await expectNoSeriousA11yViolations(page, what);
    }
  });
});
