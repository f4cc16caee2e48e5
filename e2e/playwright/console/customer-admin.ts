import type { Browser } from '@playwright/test';
import type { Stack } from '@kantiv/dev/stack';
import { expect } from './fixtures.ts';

export const CUSTOMER_ADMIN = 'admin@contoso.com';

/**
 * The customer admin's side, in a browser context of its own: the invite link, Microsoft sign-in in a popup (account
 * picker and consent), the environment, the plan, Connect. Resolves once the run has started; the caller decides
 * what to wait for. An environment another spec's setup connected (and that still works) is refused a second connection
 * (issue 15 item 3), so the specs sharing one stack would depend on their order: the run starts from an environment
 * no earlier spec holds (see `releaseEnvironment`).
 */
export async function startWizardRun(
  browser: Browser,
  stack: Pick<Stack, 'baseUrl' | 'api'>,
  inviteUrl: string,
  environment = 'Contoso Production',
) {
  await releaseEnvironment(stack, environment);
  const context = await browser.newContext({ baseURL: stack.baseUrl });
  const admin = await context.newPage();
  await admin.goto(inviteUrl);
  const popupPromise = admin.waitForEvent('popup');
  await admin.getByRole('button', { name: 'Sign in with Microsoft' }).click();
  const popup = await popupPromise;
  await popup.locator(`button[value="${CUSTOMER_ADMIN}"]`).click();
  // The first sign-in to the tenant asks for consent (granted for the whole organisation); later ones do not.
  const accept = popup.getByRole('button', { name: 'Accept' });
  const closed = popup.waitForEvent('close', { timeout: 60_000 }).then(
    () => 'closed' as const,
    () => 'timeout' as const,
  );
  const consent = accept.waitFor({ timeout: 60_000 }).then(
    () => 'consent' as const,
    () => 'timeout' as const,
  );
  if ((await Promise.race([closed, consent])) === 'consent') await accept.click();
  await admin.getByRole('button', { name: new RegExp(environment) }).click({ timeout: 60_000 });
  await admin.getByRole('button', { name: 'Connect', exact: true }).click({ timeout: 60_000 });
  await expect(admin.getByRole('heading', { level: 1, name: /^Connecting/ })).toBeVisible();
  return { admin, close: () => context.close() };
}

/** The environments a console spec connects, by the name the wizard shows, to their address's first label. */
const URL_NAMES: Record<string, string> = {
  'Contoso Production': 'contoso',
  'Contoso Sandbox': 'contoso-sandbox',
};

/**
 * Revokes every verified setup connected to `environment`: a revoked setup holds no environment, so the next spec's
 * run connects instead of being told the environment is taken. Specs run one at a time on the shared stack, so the
 * setups revoked here belong to specs that have finished.
 */
export async function releaseEnvironment(stack: Pick<Stack, 'api'>, environment: string): Promise<void> {
  const urlName = URL_NAMES[environment];
  if (!urlName) throw new Error(`No address known for the environment ${environment}.`);
  // Every page first, then the revokes: a revoke changes the order the pages are cut by.
  const connected: string[] = [];
  let cursor: string | undefined;
  do {
    const query = `state=verified&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const res = await stack.api(`/api/v1/setups?${query}`);
    if (!res.ok) throw new Error(`Listing the verified setups answered ${res.status}.`);
    const page = (await res.json()) as {
      items: { id: string; environmentUrl?: string }[];
      nextCursor?: string;
    };
    for (const setup of page.items) {
      if (setup.environmentUrl && new URL(setup.environmentUrl).hostname.split('.')[0] === urlName)
        connected.push(setup.id);
    }
    cursor = page.nextCursor;
  } while (cursor);
  for (const id of connected) {
    const revoked = await stack.api(`/api/v1/setups/${id}/revoke`, { method: 'POST' });
    if (!revoked.ok) throw new Error(`Revoking setup ${id} answered ${revoked.status}.`);
  }
}
