import { expect, test } from '../fixtures.ts';
import { expectEnvironmentPage, openInvite, signIn } from './helpers.ts';

/** The wizard keeps "welcomed" in the tab's sessionStorage, as the welcome button records it. */
const welcomed = (id: string) =>
  sessionStorage.setItem(`kantiv-connect.choices.${id}`, JSON.stringify({ welcomed: true }));

test('second invite › a sign-in made for another setup is not offered as "Continue as": this setup asks for its own', async ({
  page,
  stack,
}) => {
  await openInvite(page, stack);
  await signIn(page, stack);
  await expectEnvironmentPage(page);

  // A second invite in the same tab, past its welcome page: MSAL still holds the first setup's sign-in. Its cached ID
  // token was replaced by the silent token renewals of the first setup's run (a refresh-token answer carries no nonce),
  // so it carries no nonce at all; Kantiv would refuse it for this setup, which needs a sign-in of its own.
  const second = await openInvite(page, stack);
  await page.evaluate(welcomed, second.setupId);
  await page.goto(`/setup/${second.setupId}/sign-in`);
  await expect(
    page.getByRole('heading', { level: 1, name: 'Sign in with Microsoft', exact: true }),
  ).toBeVisible();
  await expect(page.getByRole('button', { name: 'Sign in with Microsoft' })).toBeVisible();
  await expect(page.getByRole('button', { name: /^Continue as / })).toHaveCount(0);

  // Signing in for this setup binds it, and the wizard moves on.
  await signIn(page, stack);
  await expectEnvironmentPage(page);
});
