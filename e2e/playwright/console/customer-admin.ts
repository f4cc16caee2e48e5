import type { Browser } from '@playwright/test';
import { expect } from './fixtures.ts';

export const CUSTOMER_ADMIN = 'admin@contoso.com';

/**
 * The customer admin's side, in a browser context of its own: the invite link, Microsoft sign-in in a popup (account
 * picker and consent), the environment, the plan, Connect. Resolves once the run has started; the caller decides
 * what to wait for. An environment another spec's setup connected (and that still works) is refused a second connection
 * (issue 15 item 3): a spec that connects on the shared stack after another picks an environment of its own.
 */
export async function startWizardRun(
  browser: Browser,
  baseURL: string,
  inviteUrl: string,
  environment = 'Contoso Production',
) {
  const context = await browser.newContext({ baseURL });
  const admin = await context.newPage();
  await admin.goto(inviteUrl);
  const popupPromise = admin.waitForEvent('popup');
  await admin.getByRole('button', { name: 'Sign in with Microsoft' }).click();
  const popup = await popupPromise;
  await popup.locator(`button[value="${CUSTOMER_ADMIN}"]`).click();
  // The first sign-in to the tenant asks for consent (granted for the whole organisation); later ones do not.
  const accept = popup.getByRole('button', { name: 'Accept' });
  const closed = popup.waitForEvent('close', { timeout: 60_000 }).then(
    () => 'closed' as const,
    () => 'timeout' as const,
  );
  const consent = accept.waitFor({ timeout: 60_000 }).then(
    () => 'consent' as const,
    () => 'timeout' as const,
  );
  if ((await Promise.race([closed, consent])) === 'consent') await accept.click();
  await admin.getByRole('button', { name: new RegExp(environment) }).click({ timeout: 60_000 });
  await admin.getByRole('button', { name: 'Connect', exact: true }).click({ timeout: 60_000 });
  await expect(admin.getByRole('heading', { level: 1, name: /^Connecting/ })).toBeVisible();
  return { admin, close: () => context.close() };
}
