import { expect, test } from './fixtures.ts';

test('the home page shows the service status read from the API', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1, name: 'Kantiv Connect' })).toBeVisible();
  await expect(page.getByTestId('service-status')).toHaveText(/Service status: ok/);
});

test('a deep link is served the SPA and an unknown API route keeps the JSON error shape', async ({
  page,
  request,
}) => {
  await page.goto('/no/such/page');
  await expect(page.getByRole('heading', { level: 1, name: 'Page not found' })).toBeVisible();
  const res = await request.get('/api/v1/does-not-exist');
  expect(res.status()).toBe(404);
  expect((await res.json()) as unknown).toMatchObject({ error: { code: 'not_found' } });
});
