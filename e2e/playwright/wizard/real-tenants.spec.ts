import { expect, test } from '../fixtures.ts';
import {
  chooseEnvironment,
  connectAndFinish,
  expectEnvironmentPage,
  expectStatus,
  openInvite,
  signIn,
} from './helpers.ts';

/** Issue 15: admins whose tenants look unlike the seeded default, through the whole wizard to `verified`. */
test.describe('real tenants', () => {
  test('a guest (B2B) admin signs in at the setup’s tenant and reaches verified', async ({ page, stack }) => {
    const { setupId } = await openInvite(page, stack, {
      customerName: 'Contoso',
      expectedTenantDomain: 'contoso.com',
    });
    await signIn(page, stack, 'consultant@fabrikam.com');
    await expectEnvironmentPage(page);
    await chooseEnvironment(page, /Contoso Production/);
    await expect(page.getByTestId('plan-items')).toBeVisible({ timeout: 60_000 });
    await connectAndFinish(page);
    await expect(page.getByTestId('verification')).toHaveAttribute('data-state', 'verified', {
      timeout: 120_000,
    });
    await expect(page.getByTestId('done-tenant')).toHaveText(stack.emulator.tenants.contoso);
    await expectStatus(stack, setupId, 'verified');
  });

  test('a German environment whose System Administrator role comes through a team reaches verified', async ({
    page,
    stack,
  }) => {
    const { setupId } = await openInvite(page, stack, { customerName: 'Contoso' });
    await signIn(page, stack, 'admin.de@contoso.com');
    await expectEnvironmentPage(page);
    await chooseEnvironment(page, /Contoso Deutschland/);
    await expect(page.getByTestId('plan-items')).toBeVisible({ timeout: 60_000 });
    await connectAndFinish(page);
    await expect(page.getByTestId('verification')).toHaveAttribute('data-state', 'verified', {
      timeout: 120_000,
    });
    await expect(page.getByTestId('done-environment')).toHaveText('https://contoso-de.crm.dynamics.com');
    await expectStatus(stack, setupId, 'verified');
  });
});
