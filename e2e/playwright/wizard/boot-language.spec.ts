import { expect, test } from '../fixtures.ts';

/**
 * index.html's inline boot script words "Loading…" in the admin's language before any bundle: under the server's
 * real CSP (which allows it by hash only) it must run, and nothing on the page may be refused by the CSP.
 */
test.use({ locale: 'de-DE' });

test('boot language › the inline script runs under the CSP and words the first paint in German', async ({
  page,
  stack,
}) => {
  const refused: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) refused.push(message.text());
  });
  const { inviteUrl } = await stack.createSetup({ customerName: 'Contoso Ltd' });
  await page.goto(inviteUrl);
  await expect(page.locator('html')).toHaveAttribute('data-loading', 'Wird geladen…');
  await expect(page.locator('html')).toHaveAttribute('lang', 'de');
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible({ timeout: 60_000 });
  expect(refused).toEqual([]);
});
