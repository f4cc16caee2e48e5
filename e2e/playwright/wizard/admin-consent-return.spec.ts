import { expect, test } from '../fixtures.ts';
import type { Page } from '@playwright/test';
import type { Stack } from '@kantiv/dev/stack';
import { USERS, expectAccessible, openInvite } from './helpers.ts';

/** The sign-in page's admin-consent link, as offered after a declined consent. */
async function consentLink(page: Page, stack: Stack): Promise<string> {
  stack.emulator.control.setScenario({ name: 'auto-sign-in', user: USERS.admin });
  const declined = stack.emulator.control.setScenario({ name: 'consent-declined' });
  await openInvite(page, stack);
  await page.getByRole('button', { name: 'Sign in with Microsoft' }).click();
  const link = page.getByTestId('consent-declined').getByRole('link', { name: /Grant admin consent/ });
  await expect(link).toBeVisible({ timeout: 60_000 });
  const href = await link.getAttribute('href');
  stack.emulator.control.clearScenario(declined);
  return href ?? '';
}

test('admin consent return › Microsoft’s admin_consent=True lands on a page that says so and where to go on', async ({
  page,
  stack,
}) => {
  const href = await consentLink(page, stack);
  expect(href).toContain('state=kantiv-admin-consent');
  const tab = await page.context().newPage();
  await tab.goto(href);
  // Microsoft's pages: the administrator picks the account and accepts for the whole organization.
  await tab.getByRole('button', { name: /^Megan Bowen admin@contoso\.com/ }).click();
  await tab.getByRole('button', { name: 'Accept' }).click();
  await expect(tab).toHaveURL(/\/admin-consent\?admin_consent=True&tenant=/, { timeout: 60_000 });
  await expect(tab.getByRole('heading', { level: 1, name: 'Admin consent granted' })).toBeVisible();
  await expect(tab.getByTestId('admin-consent-granted')).toContainText(stack.emulator.tenants.contoso);
  await expect(tab.getByTestId('admin-consent-granted')).toContainText('go back to the Kantiv Connect tab');
  await expectAccessible(tab, 'admin consent granted');
});

test('admin consent return › a cancelled admin consent is explained in plain words, with who can grant it', async ({
  page,
  stack,
}) => {
  const href = await consentLink(page, stack);
  const tab = await page.context().newPage();
  await tab.goto(href);
  await tab.getByRole('button', { name: /^Megan Bowen admin@contoso\.com/ }).click();
  await tab.getByRole('button', { name: 'Cancel' }).click();
  await expect(tab).toHaveURL(/\/admin-consent\?error=access_denied/, { timeout: 60_000 });
  await expect(tab.getByRole('heading', { level: 1, name: 'Admin consent was not granted' })).toBeVisible();
  await expect(tab.getByTestId('admin-consent-declined')).toContainText('Cloud Application Administrator');
  await expect(tab.getByTestId('admin-consent-declined')).toContainText('Microsoft code: AADSTS65004');
});
