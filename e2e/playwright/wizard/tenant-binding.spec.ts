import { expect, test } from '../fixtures.ts';
import {
  expectAccessible,
  expectStatus,
  openInvite,
  openSignIn,
  signInWithMicrosoft,
  USERS,
} from './helpers.ts';

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
  // The admin closes Microsoft's window: back on the sign-in page, nothing bound.
  await popup.close();
  await expect(page.getByTestId('sign-in-problem')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in with Microsoft' })).toBeVisible();
  await expectStatus(stack, setupId, 'invited');
});
