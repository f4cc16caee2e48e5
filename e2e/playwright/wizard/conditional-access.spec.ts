import { expect, test } from '../fixtures.ts';
import {
  USERS,
  blockPopupsWithoutClick,
  chooseEnvironment,
  connectAndFinish,
  expectAccessible,
  expectStatus,
  signInToEnvironments,
} from './helpers.ts';

test('conditional access › Dataverse wants MFA after sign-in: Microsoft’s window opens again for it and the run completes', async ({
  page,
  stack,
}) => {
  // The tenant's policy covers the Dynamics CRM app (Dataverse and Global Discovery), not Graph: signing in does not
  // ask for MFA; the first Dataverse token does.
  stack.emulator.control.setScenario({ name: 'mfa-required', resource: 'dataverse', user: USERS.admin });
  const popups: string[] = [];
  page.on('popup', (popup) => popups.push(popup.url()));

  const { setupId } = await signInToEnvironments(page, stack);
  await expect(page.getByRole('button', { name: /Contoso Production/ })).toBeVisible({ timeout: 60_000 });
  await chooseEnvironment(page, /Contoso Production/);
  await connectAndFinish(page);
  await expectStatus(stack, setupId, 'verified');

  // Two Microsoft windows: the sign-in (Graph), then the MFA for Dataverse after the token endpoint refused the
  // silent request (AADSTS50076).
  expect(popups).toHaveLength(2);
  const entra = stack.emulator.control.requestLog().filter((e) => e.service === 'entra');
  const authorizes = entra.filter((e) => e.method === 'GET' && e.path.includes('/oauth2/v2.0/authorize'));
  expect(authorizes).toHaveLength(2);
  const refused = entra.filter((e) => e.path.includes('/oauth2/v2.0/token') && e.status === 400);
  expect(refused).toHaveLength(1);
  expect(entra.indexOf(refused[0]!)).toBeLessThan(entra.indexOf(authorizes[1]!));
});

test('conditional access › the browser blocks the MFA window that no click opened: the page says so, and its button opens it', async ({
  page,
  stack,
}) => {
  stack.emulator.control.setScenario({ name: 'mfa-required', resource: 'dataverse', user: USERS.admin });
  await blockPopupsWithoutClick(page);
  const popups: string[] = [];
  page.on('popup', (popup) => popups.push(popup.url()));

  const { setupId } = await signInToEnvironments(page, stack);
  // The sign-in window opened from the click; the MFA window, asked for when the page listed environments, did not.
  const notice = page.getByTestId('sign-in-again');
  await expect(notice).toBeVisible({ timeout: 60_000 });
  await expect(notice).toContainText('your browser blocked the Microsoft window');
  expect(popups).toHaveLength(1);
  await expectAccessible(page, 'environment page asking to sign in again');

  await notice.getByRole('button', { name: 'Sign in to Dynamics 365' }).click();
  await expect(page.getByRole('button', { name: /Contoso Production/ })).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('sign-in-again')).toHaveCount(0);
  expect(popups).toHaveLength(2);
  await chooseEnvironment(page, /Contoso Production/);
  await connectAndFinish(page);
  await expectStatus(stack, setupId, 'verified');
});
