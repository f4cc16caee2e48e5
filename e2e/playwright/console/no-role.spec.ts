import { expect, test } from './fixtures.ts';
import { expectNoSeriousA11yViolations } from './axe.ts';
import { STAFF, signInToConsole } from './staff.ts';

test.describe('a Kantiv employee without any Connect role', () => {
  // Generous: sign-in, axe and the server share two cores with the browser.
  test.describe.configure({ timeout: 180_000 });

  test('signs in and is told clearly that they have no access, and whom to ask', async ({ page }) => {
    await signInToConsole(page, STAFF.nobody.upn, '/console/setups');
    await expect(
      page.getByRole('heading', { level: 1, name: 'No access to the support console' }),
    ).toBeVisible();
    await expect(page.getByText(STAFF.nobody.upn)).toBeVisible();
    await expect(page.getByText(/Connect\.Read/).first()).toBeVisible();
    // No console page, no navigation, no setup data.
    await expect(page.getByRole('navigation', { name: 'Console' })).toHaveCount(0);
    await expect(page.getByRole('table')).toHaveCount(0);
    await expectNoSeriousA11yViolations(page, 'the no-access page');
  });

  test('is refused by the API on every staff route', async ({ request, stack }) => {
    const { setup } = await stack.createSetup({ customerName: 'No Role Co' });
    const token = await stack.staffToken(STAFF.nobody.upn);
    const headers = { authorization: `Bearer ${token}` };
    const reads = [
      '/api/v1/setups',
      `/api/v1/setups/${setup.id}`,
      `/api/v1/setups/${setup.id}/events`,
      '/api/v1/api-keys',
      '/api/v1/webhooks',
      '/api/v1/audit',
    ];
    for (const url of reads) {
      const res = await request.get(url, { headers });
      expect(res.status(), `GET ${url}`).toBe(403);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('forbidden');
    }
    const create = await request.post('/api/v1/setups', { headers, data: { customerName: 'Sneaky' } });
    expect(create.status()).toBe(403);
  });
});
