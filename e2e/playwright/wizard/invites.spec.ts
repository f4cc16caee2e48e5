import { expect, test } from '../fixtures.ts';
import { expectAccessible } from './helpers.ts';

test('expired invite › a page says so and whom to contact', async ({ page, stack }) => {
  const { setup, inviteUrl } = await stack.createSetup();
  stack.expireInvite(setup.id);
  await page.goto(inviteUrl);
  const main = page.getByTestId('invite-expired');
  await expect(main).toBeVisible();
  await expect(main.getByRole('heading', { level: 1 })).toHaveText('This invite has expired');
  // No run had started: the page can say that nothing was created.
  await expect(page.getByTestId('unavailable-body')).toHaveText(/^Nothing was created in your tenant/);
  await expect(main.getByRole('link', { name: /@/ })).toHaveAttribute('href', /^mailto:/);
  expect(page.url()).not.toContain('token=');
  await expectAccessible(page, 'expired invite');
});

test('revoked invite › a page says so and whom to contact', async ({ page, stack }) => {
  const { setup, inviteUrl } = await stack.createSetup();
  const res = await stack.api(`/api/v1/setups/${setup.id}/revoke`, { method: 'POST', body: {} });
  expect(res.ok).toBe(true);
  await page.goto(inviteUrl);
  const main = page.getByTestId('invite-revoked');
  await expect(main).toBeVisible();
  await expect(main.getByRole('heading', { level: 1 })).toHaveText('This invite was withdrawn');
  await expect(main.getByRole('link', { name: /@/ })).toHaveAttribute('href', /^mailto:/);
  await expectAccessible(page, 'revoked invite');
});

test('unknown invite › a page says the link is not valid', async ({ page }) => {
  await page.goto(
    '/setup/00000000-0000-4000-8000-000000000000#token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  );
  await expect(page.getByTestId('invite-unknown')).toBeVisible();
  expect(page.url()).not.toContain('token=');
});

test('expired invite › after a run had started, the page says what it created stays in the tenant', async ({
  page,
  stack,
}) => {
  const { setup, inviteUrl } = await stack.createSetup();
  const token = new URL(inviteUrl).hash.replace(/^#token=/, '');
  const ran = await page.request.post(new URL('/api/v1/wizard/events', inviteUrl).toString(), {
    headers: { authorization: `Bearer ${token}` },
    data: {
      events: [
        { seq: 1, step: 'preflight', status: 'running', at: new Date().toISOString(), message: 'Checking' },
      ],
    },
  });
  expect(ran.ok()).toBe(true);
  stack.expireInvite(setup.id);
  await page.goto(inviteUrl);
  await expect(page.getByTestId('invite-expired')).toBeVisible();
  await expect(page.getByTestId('unavailable-body')).toHaveText(/^A setup had started with this invite/);
  await expect(page.getByText('Nothing was created')).toHaveCount(0);
});
