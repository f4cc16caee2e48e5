import { expect, test } from '../fixtures.ts';
import { openInvite, openSignIn, signInWithMicrosoft, USERS } from './helpers.ts';

test('tenant binding › an admin of another organization than the invite names is told so, and nothing is bound', async ({
  page,
  stack,
}) => {
  // Fabrikam is invited; Contoso's admin signs in (Entra says fabrikam.com belongs to another tenant).
  await openInvite(page, stack, { customerName: 'Fabrikam', expectedTenantDomain: 'fabrikam.com' });
  await openSignIn(page);
  await signInWithMicrosoft(page, stack, USERS.admin);
  const problem = page.getByTestId('sign-in-problem');
  await expect(problem).toContainText('Kantiv expects an account of fabrikam.com', { timeout: 60_000 });
  await expect(problem).toContainText(
    'Sign in with an account of the organization Kantiv invited (fabrikam.com)',
  );
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in with Microsoft' })).toBeVisible();
});
