import type { BrowserContext, Locator, Page } from '@playwright/test';
import { expect, test } from '../fixtures.ts';
import { USERS, autoSignIn, expectStatus, grantTenantConsent, openInvite } from './helpers.ts';

/**
 * Counts what the admin does in every page of the context, Microsoft's popup included and across navigations:
 * trusted clicks, pointer presses and activation keys (Enter, Space). Tab is moving around, not doing.
 */
async function countActions(context: BrowserContext) {
  const counts = { clicks: 0, pointerDowns: 0, keys: 0 };
  await context.exposeBinding('kantivCount', (_source, kind: keyof typeof counts) => {
    counts[kind] += 1;
  });
  await context.addInitScript(() => {
    const count = (window as unknown as { kantivCount: (kind: string) => void }).kantivCount;
    document.addEventListener('click', (e) => e.isTrusted && count('clicks'), true);
    document.addEventListener('pointerdown', (e) => e.isTrusted && count('pointerDowns'), true);
    document.addEventListener(
      'keydown',
      (e) => e.isTrusted && (e.key === 'Enter' || e.key === ' ') && count('keys'),
      true,
    );
  });
  return counts;
}

/** Presses Tab until `target` has focus, then `key`: keyboard only, like a person without a mouse. */
async function tabTo(page: Page, target: Locator, key: 'Enter' | 'Space' = 'Enter'): Promise<void> {
  await expect(target).toBeVisible({ timeout: 60_000 });
  await expect(target).toBeEnabled({ timeout: 60_000 });
  for (let i = 0; i < 80; i += 1) {
    if (await target.evaluate((el) => el === document.activeElement)) {
      await page.keyboard.press(key);
      return;
    }
    await page.keyboard.press('Tab');
  }
  throw new Error(`Could not reach ${target.toString()} with the Tab key.`);
}

test('five clicks › from the invite link to Connected, Microsoft’s account picker and consent included', async ({
  page,
  stack,
}) => {
  const counts = await countActions(page.context());
  const { setupId } = await openInvite(page, stack);

  const popupOpened = page.waitForEvent('popup');
  await page.getByRole('button', { name: 'Sign in with Microsoft' }).click(); // 1
  const popup = await popupOpened;
  await popup.locator(`button[value="${USERS.admin}"]`).click(); // 2: Microsoft's account picker
  await popup.getByRole('button', { name: 'Accept' }).click(); // 3: Microsoft's consent

  // Several environments: one click on the one to connect moves on to the plan.
  const environments = page.getByTestId('environments');
  await expect(environments.getByRole('button')).toHaveCount(2, { timeout: 60_000 });
  await environments.getByRole('button', { name: /Contoso Production/ }).click(); // 4
  await expect(page).toHaveURL(/\/plan$/, { timeout: 60_000 });
  // The plan is shown in full before anything is created.
  await expect(page.getByTestId('plan-items')).toBeVisible({ timeout: 60_000 });
  const tenant = stack.emulator.tenants.contoso;
  expect(stack.emulator.control.state().applications.filter((a) => a.tenantId === tenant)).toEqual([]);
  await page.getByRole('button', { name: 'Connect', exact: true }).click(); // 5

  await expect(page.getByRole('heading', { level: 1, name: 'Connected' })).toBeVisible({ timeout: 180_000 });
  await expectStatus(stack, setupId, 'verified');
  expect(counts.clicks).toBeLessThanOrEqual(5);
  expect(counts.clicks).toBeGreaterThan(0);
});

test('five clicks › the same by keyboard only, Microsoft’s pages included', async ({ page, stack }) => {
  const counts = await countActions(page.context());
  const { setupId } = await openInvite(page, stack);

  const popupOpened = page.waitForEvent('popup');
  await tabTo(page, page.getByRole('button', { name: 'Sign in with Microsoft' })); // 1
  const popup = await popupOpened;
  await tabTo(popup, popup.locator(`button[value="${USERS.admin}"]`)); // 2
  await tabTo(popup, popup.getByRole('button', { name: 'Accept' })); // 3

  await tabTo(page, page.getByTestId('environments').getByRole('button', { name: /Contoso Production/ })); // 4
  await expect(page).toHaveURL(/\/plan$/, { timeout: 60_000 });
  await tabTo(page, page.getByRole('button', { name: 'Connect', exact: true })); // 5

  await expect(page.getByRole('heading', { level: 1, name: 'Connected' })).toBeVisible({ timeout: 180_000 });
  await expectStatus(stack, setupId, 'verified');
  expect(counts.pointerDowns).toBe(0);
  expect(counts.keys).toBeLessThanOrEqual(5);
});

test('environments › the hint matches by name in any case, and a single usable environment is preselected', async ({
  page,
  stack,
  browser,
}) => {
  await openInvite(page, stack, { environmentHint: 'contoso PRODUCTION' });
  autoSignIn(stack, USERS.admin);
  await page.getByRole('button', { name: 'Sign in with Microsoft' }).click();
  await expect(page.getByTestId('environment-expected')).toHaveText(
    'Kantiv expects the environment contoso PRODUCTION.',
    { timeout: 60_000 },
  );
  const buttons = page.getByTestId('environments').getByRole('button');
  await expect(buttons.first()).toHaveAccessibleName(/Contoso Production/);
  await expect(buttons.first()).toHaveAccessibleDescription(/The environment Kantiv expects\./);

  // Someone with one usable environment: it is preselected, and the page says so.
  // A second admin, in a browser context of their own (own session storage, own Microsoft sign-in).
  const other = await (await browser.newContext({ baseURL: stack.baseUrl })).newPage();
  stack.emulator.control.clearScenarios();
  grantTenantConsent(stack);
  await openInvite(other, stack);
  autoSignIn(stack, USERS.sysadminOnly);
  await other.getByRole('button', { name: 'Sign in with Microsoft' }).click();
  const only = other.getByTestId('environments').getByRole('button', { name: /Contoso Production/ });
  await expect(only).toHaveAccessibleDescription(/The only environment you can use: preselected\./, {
    timeout: 60_000,
  });
});
