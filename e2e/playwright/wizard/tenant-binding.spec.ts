import { expect, test } from '../fixtures.ts';
import { expectStatus, openInvite, openSignIn, signInWithMicrosoft, USERS } from './helpers.ts';

test('tenant binding › an admin of another organization than the invite names is told so, and nothing is bound', async ({
  page,
  stack,
}) => {
  // Fabrikam is invited; Contoso's admin signs in. The wizard signs in at the invited organization's authority, so
  // Microsoft itself refuses an account of another one (the server's tid check, tenant-binding.test.ts, stays the
  // guard for any token that gets through).
  const { setupId } = await openInvite(page, stack, {
    customerName: 'Fabrikam',
    expectedTenantDomain: 'fabrikam.com',
  });
  await openSignIn(page);
  await signInWithMicrosoft(page, stack, USERS.admin);
  await expect(page.getByTestId('sign-in-problem')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in with Microsoft' })).toBeVisible();
  await expectStatus(stack, setupId, 'invited');
});
