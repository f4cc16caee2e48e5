import type { Locator } from '@playwright/test';
import { expect, test } from '../fixtures.ts';
import {
  autoSignIn,
  expectAccessible,
  expectEnvironmentPage,
  expectStatus,
  openInvite,
  openSignIn,
  signInWithMicrosoft,
  tabTo,
  USERS,
} from './helpers.ts';

const CLOSED_CONTROL = 'I closed Microsoft’s window';

test('tenant binding › an admin of another organization than the invite names is told so, and nothing is bound', async ({
  page,
  stack,
}) => {
  // Fabrikam is invited; Contoso's admin signs in. The wizard signs in at the invited organization's authority, so
  // Microsoft itself refuses an account of another one: AADSTS50020 on its own page, which never comes back to the
  // wizard (FIDELITY F7-1, F7-2). The wizard's waiting panel says beforehand what that message means and what to do
  // (the server's tid check, tenant-binding.test.ts, stays the guard for any token that gets through).
  const { setupId } = await openInvite(page, stack, {
    customerName: 'Fabrikam',
    expectedTenantDomain: 'fabrikam.com',
  });
  await openSignIn(page);
  const popupOpened = page.waitForEvent('popup');
  await signInWithMicrosoft(page, stack, USERS.admin);
  const popup = await popupOpened;
  await expect(popup.getByRole('alert')).toContainText(/AADSTS50020: User account 'admin@contoso\.com'/, {
    timeout: 60_000,
  });
  const waiting = page.getByTestId('sign-in-waiting');
  await expect(waiting).toContainText('AADSTS50020');
  await expect(waiting).toContainText('sign in again with an administrator account of fabrikam.com');
  await expect(waiting.getByTestId('forward-setup')).toBeVisible();
  await expectAccessible(page, 'waiting for Microsoft at the invited organization');
  // The admin closes Microsoft's window, which MSAL does not notice (it would wait for an answer for minutes), and
  // says so: back on the sign-in page at once, told what happened, nothing bound.
  await popup.close();
  await waiting.getByRole('button', { name: CLOSED_CONTROL }).click();
  await expect(page.getByTestId('sign-in-problem')).toContainText(
    'The Microsoft sign-in window was closed before it finished.',
  );
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in with Microsoft' })).toBeVisible();
  await expectStatus(stack, setupId, 'invited');
});

test('tenant binding › an admin who closed Microsoft’s window says so and signs in again with the right account, by keyboard', async ({
  page,
  stack,
}) => {
  // Contoso is invited; the admin first signs in with an account of Fabrikam, which Microsoft refuses on its own page
  // (AADSTS50020), twice: once from the welcome page, once from the sign-in page. Each time the admin closes that
  // window and says so with the waiting panel's control, by keyboard; then signs in with the right account. MSAL
  // still waits for the closed window's answer each time, so the new window must take over its interaction (MSAL
  // refuses a second one with interaction_in_progress otherwise).
  await openInvite(page, stack, {
    customerName: 'Contoso',
    expectedTenantDomain: 'contoso.com',
  });
  async function refusedAndClosed(signInButton: Locator) {
    const wrongAccount = stack.emulator.control.setScenario({
      name: 'auto-sign-in',
      user: 'admin@fabrikam.com',
    });
    const popupOpened = page.waitForEvent('popup');
    await tabTo(page, signInButton);
    const popup = await popupOpened;
    await expect(popup.getByRole('alert')).toContainText(/AADSTS50020: User account 'admin@fabrikam\.com'/, {
      timeout: 60_000,
    });
    stack.emulator.control.clearScenario(wrongAccount);
    await popup.close();
    await tabTo(page, page.getByTestId('sign-in-waiting').getByRole('button', { name: CLOSED_CONTROL }));
    await expect(page.getByTestId('sign-in-problem')).toContainText(
      'The Microsoft sign-in window was closed before it finished.',
    );
    await expect(page.getByTestId('sign-in-waiting')).toHaveCount(0);
  }

  // From the welcome page: the closed window lands on the sign-in page, which explains it.
  await refusedAndClosed(page.getByRole('button', { name: 'Sign in with Microsoft' }));
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in with Microsoft' })).toBeVisible();
  // From the sign-in page: focus goes straight back to its sign-in button.
  const signInButton = page.getByRole('button', { name: 'Sign in with Microsoft' });
  await refusedAndClosed(signInButton);
  await expect(signInButton).toBeFocused();

  autoSignIn(stack, USERS.admin);
  const popupOpened = page.waitForEvent('popup');
  await page.keyboard.press('Enter');
  await popupOpened;
  await expectEnvironmentPage(page);
});
