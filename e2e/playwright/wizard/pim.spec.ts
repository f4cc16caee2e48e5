import type { Page } from '@playwright/test';
import type { Stack } from '@kantiv/dev/stack';
import { expect, test } from '../fixtures.ts';
import {
  chooseEnvironment,
  connectAndFinish,
  expectEnvironmentPage,
  expectStatus,
  grantTenantConsent,
  openInvite,
  signIn,
} from './helpers.ts';

/** Cloud Application Administrator only eligible in PIM (not active); System Administrator in Contoso Production. */
const PIM_ADMIN = 'pim@contoso.com';

/** What the admin does in the Entra admin center: PIM → My roles → Activate (FIDELITY F7-3, F7-4). */
async function activateInPim(stack: Stack): Promise<void> {
  const res = await stack.emulator.fetch(`${stack.emulator.urls.control}/pim/activate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user: PIM_ADMIN }),
  });
  expect(res.status).toBe(200);
}

async function expectPimBlocker(page: Page) {
  const blockers = page.getByRole('alert').filter({ hasText: 'Before you can continue' });
  await expect(blockers).toBeVisible({ timeout: 60_000 });
  await expect(blockers).toContainText(/Privileged Identity Management/);
  await expect(blockers).toContainText(/Check again/);
  await expect(
    page.getByTestId('environments').getByRole('button', { name: /Contoso Production/ }),
  ).toBeDisabled();
}

async function startAsPimAdmin(page: Page, stack: Stack) {
  // Someone consented for the organization earlier; the admin's own role is only eligible.
  grantTenantConsent(stack);
  const invite = await openInvite(page, stack, {
    customerName: 'Contoso',
    expectedTenantDomain: 'contoso.com',
  });
  await signIn(page, stack, PIM_ADMIN);
  await expectEnvironmentPage(page);
  await expectPimBlocker(page);
  return invite;
}

test.describe('PIM admin', () => {
  test('is told to activate the eligible role in PIM, activates it mid-way, checks again and reaches verified', async ({
    page,
    stack,
  }) => {
    const { setupId } = await startAsPimAdmin(page, stack);
    await activateInPim(stack);
    await page.getByRole('button', { name: 'Check again' }).click();
    await expect(page.getByRole('alert').filter({ hasText: 'Before you can continue' })).toHaveCount(0, {
      timeout: 60_000,
    });
    await chooseEnvironment(page, /Contoso Production/);
    await connectAndFinish(page);
    await expect(page.getByTestId('verification')).toHaveAttribute('data-state', 'verified', {
      timeout: 120_000,
    });
    await expectStatus(stack, setupId, 'verified');
  });

  test('stays blocked after the activation while the sign-in predates it (a reload is not a new sign-in), until Check again signs in again', async ({
    page,
    stack,
  }) => {
    await startAsPimAdmin(page, stack);
    await activateInPim(stack);
    // A reload: the wizard asks Entra for a fresh token of the same sign-in, which Microsoft may still issue without
    // the role; the strict emulator does.
    await page.reload();
    await expectEnvironmentPage(page);
    await expectPimBlocker(page);
    await page.getByRole('button', { name: 'Check again' }).click();
    await expect(page.getByRole('alert').filter({ hasText: 'Before you can continue' })).toHaveCount(0, {
      timeout: 60_000,
    });
    await expect(
      page.getByTestId('environments').getByRole('button', { name: /Contoso Production/ }),
    ).toBeEnabled();
  });
});
