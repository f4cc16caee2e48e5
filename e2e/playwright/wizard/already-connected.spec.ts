import { expect, test } from '../fixtures.ts';
import {
  chooseEnvironment,
  connectAndFinish,
  expectEnvironmentPage,
  expectStatus,
  openInvite,
  signIn,
} from './helpers.ts';

/**
 * Issue 15 item 3, on Fabrikam's own tenant so no other spec's environment is touched: an environment another setup
 * connected is marked with who and when; while that connection works a second one is refused with the repair path;
 * once it is broken, the new setup replaces it. (The server decides by checking the other connection again; the
 * world is reset before every test, so connections left by earlier specs are found broken and never block.)
 */
const FABRIKAM = { customerName: 'Fabrikam', expectedTenantDomain: 'fabrikam.com' };
const ADMIN = 'admin@fabrikam.com';

test('already connected › an environment another setup connected is marked; a working connection is not doubled, a broken one is replaced', async ({
  page,
  stack,
}) => {
  const first = await openInvite(page, stack, FABRIKAM);
  await signIn(page, stack, ADMIN);
  await expectEnvironmentPage(page);
  await chooseEnvironment(page, /Fabrikam Production/);
  await connectAndFinish(page);
  await expect(page.getByTestId('verification')).toHaveAttribute('data-state', 'verified', {
    timeout: 120_000,
  });
  await expectStatus(stack, first.setupId, 'verified');

  const second = await openInvite(page, stack, FABRIKAM);
  await signIn(page, stack, ADMIN);
  await expectEnvironmentPage(page);
  const production = page
    .getByTestId('environments')
    .getByRole('listitem')
    .filter({ has: page.getByRole('button', { name: /Fabrikam Production/ }) });
  await expect(production.getByTestId('environment-connected')).toContainText(
    `Connected to Kantiv by ${ADMIN} on`,
  );
  await chooseEnvironment(page, /Fabrikam Production/);
  const blocker = page.getByTestId('blocker-environment_already_connected');
  await expect(blocker).toContainText('Fabrikam Production is already connected to Kantiv', {
    timeout: 60_000,
  });
  await expect(blocker).toContainText('repair link');
  await expect(page).toHaveURL(new RegExp(`/setup/${second.setupId}/environment$`));

  // Fabrikam's admin removes the first connection's credential from the app: it no longer works, so it is replaced.
  const { clientId } = await stack.getSetup(first.setupId);
  stack.emulator.control.drift({ kind: 'remove-credential', appId: clientId! });
  await chooseEnvironment(page, /Fabrikam Production/);
  await connectAndFinish(page);
  await expect(page.getByTestId('verification')).toHaveAttribute('data-state', 'verified', {
    timeout: 120_000,
  });
  await expectStatus(stack, second.setupId, 'verified');
});
