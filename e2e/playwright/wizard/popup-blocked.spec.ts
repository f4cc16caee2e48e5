import { expect, test } from '../fixtures.ts';
import {
  blockPopups,
  chooseEnvironment,
  connectAndFinish,
  expectEnvironmentPage,
  expectStatus,
  openInvite,
  openManual,
  openSignIn,
  signInOnManualPage,
  signInWithMicrosoft,
} from './helpers.ts';

test('popup blocked › sign-in falls back to a full-page redirect through the bridge and the run completes', async ({
  page,
  stack,
}) => {
  await blockPopups(page);
  const popups: string[] = [];
  page.on('popup', (popup) => popups.push(popup.url()));
  const visited: string[] = [];
  page.on('request', (request) => {
    if (request.isNavigationRequest() && request.frame() === page.mainFrame()) visited.push(request.url());
  });

  const { setupId } = await openInvite(page, stack);
  await openSignIn(page);
  // Told up front what happens when the browser blocks the Microsoft window.
  await expect(
    page.getByText('If your browser blocks it, this page moves to Microsoft and comes back here.'),
  ).toBeVisible();

  await signInWithMicrosoft(page, stack);
  await expectEnvironmentPage(page);
  await expect(page.getByTestId('preflight-ok')).toBeVisible({ timeout: 60_000 });

  // The whole sign-in happened in this tab: Microsoft's authorize page, then the v5 redirect bridge, then back.
  expect(popups).toEqual([]);
  const microsoft = visited.findIndex(
    (u) => new URL(u).host === 'login.microsoftonline.com' && u.includes('/authorize'),
  );
  const bridge = visited.findIndex((u) => new URL(u).pathname === '/redirect.html');
  const back = visited.findIndex((u, i) => i > bridge && new URL(u).pathname.endsWith('/sign-in'));
  expect(microsoft, visited.join('\n')).toBeGreaterThanOrEqual(0);
  expect(bridge, visited.join('\n')).toBeGreaterThan(microsoft);
  expect(back, visited.join('\n')).toBeGreaterThan(bridge);
  // No sign-in error was shown on the way, and the admin's tenant is bound to the setup.
  await expect(page.getByTestId('sign-in-problem')).toHaveCount(0);
  expect((await stack.getSetup(setupId)).tenantId).toBe(stack.emulator.tenants.contoso);

  await chooseEnvironment(page, /Contoso Production/);
  await connectAndFinish(page);
  await expectStatus(stack, setupId, 'verified');
});

test('popup blocked › the manual page’s sign-in comes back from the redirect signed in and bound', async ({
  page,
  stack,
}) => {
  await blockPopups(page);
  const { setupId } = await openManual(page, stack);
  await signInOnManualPage(page, stack);
  await expect(page).toHaveURL(/\/manual$/);
  await expect(page.getByLabel('Directory (tenant) ID')).toHaveValue(stack.emulator.tenants.contoso);
  await expect(page.getByRole('button', { name: 'Send to Kantiv and verify' })).toBeEnabled();
  expect((await stack.getSetup(setupId)).tenantId).toBe(stack.emulator.tenants.contoso);
});
