import type { Page } from '@playwright/test';
import { expect } from './fixtures.ts';

/** Seeded Kantiv staff in the emulator's Kantiv tenant. */
export const STAFF = {
  support: { upn: 'support@kantiv.com', name: 'Sky Support' },
  viewer: { upn: 'viewer@kantiv.com', name: 'Val Viewer' },
  nobody: { upn: 'nobody@kantiv.com', name: 'Nico Norole' },
} as const;

/**
 * Signs in to the console the way staff do: the console's "Sign in with Microsoft" button, the (emulated) Entra
 * account picker, the MSAL v5 redirect bridge, back to the console page that started it. Real MSAL throughout.
 */
export async function signInToConsole(page: Page, upn: string, path = '/console'): Promise<void> {
  await page.goto(path);
  await page.getByRole('button', { name: 'Sign in with Microsoft' }).click();
  await page.locator(`button[value="${upn}"]`).click();
  // Kantiv's tenant consented to the console's API scope organisation-wide: no consent page.
  await page.waitForURL(/\/console/, { timeout: 60_000 });
  // Signed in means the token was redeemed and the page shows it: "Sign out" (the console's layout, or the no-access
  // page). The sign-in button's absence alone also holds while the redirect is still being handled, and a test that
  // navigated then would abort the token request and land on the sign-in page again.
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible({ timeout: 30_000 });
  await expect(page.getByRole('button', { name: 'Sign in with Microsoft' })).toHaveCount(0);
}
