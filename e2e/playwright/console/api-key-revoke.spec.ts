import { expect, test } from './fixtures.ts';
import { STAFF, signInToConsole } from './staff.ts';

test.describe('API key revoke', () => {
  // Generous: sign-in and the server share two cores with the browser.
  test.describe.configure({ timeout: 180_000 });

  test('a key with every scope is revoked only after a blunter warning; Cancel keeps it active', async ({
    page,
  }) => {
    await signInToConsole(page, STAFF.support.upn, '/console/api-keys');
    await expect(page.getByRole('heading', { level: 1, name: 'API keys', exact: true })).toBeVisible();
    await page.getByLabel('Name').fill('everything-key');
    for (const scope of ['setups:read', 'setups:write', 'connections:token', 'webhooks:manage'])
      await page.getByRole('checkbox', { name: new RegExp(scope) }).check();
    await page.getByRole('button', { name: 'Create key' }).click();
    await expect(page.getByTestId('new-api-key')).toBeVisible();
    await page.getByRole('button', { name: 'Done' }).click();

    const row = page.getByTestId('api-key-row').filter({ hasText: 'everything-key' });
    await row.getByRole('button', { name: /Revoke/ }).click();
    const confirm = row.getByRole('group', { name: 'Confirm revoking everything-key' });
    await expect(confirm).toContainText('This key has every scope');
    await expect(confirm).toContainText('Dataverse tokens');
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await expect(row).toHaveAttribute('data-revoked', 'false');

    await row.getByRole('button', { name: /Revoke/ }).click();
    await row.getByRole('button', { name: 'Yes, revoke everything-key' }).click();
    await expect(row).toHaveAttribute('data-revoked', 'true');
  });
});
