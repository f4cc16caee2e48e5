import { expect, test } from '../fixtures.ts';
import { autoSignIn, expectStatus, openInvite, tabTo } from './helpers.ts';

test('keyboard only › the whole wizard can be completed without a mouse', async ({ page, stack }) => {
  const { setupId } = await openInvite(page, stack);
  autoSignIn(stack, 'admin@contoso.com');

  await tabTo(page, page.getByRole('button', { name: 'Sign in with Microsoft' }));
  await expect(page).toHaveURL(/\/environment$/, { timeout: 60_000 });

  await tabTo(page, page.getByRole('button', { name: /Contoso Production/ }));
  await expect(page).toHaveURL(/\/plan$/, { timeout: 60_000 });

  await tabTo(page, page.getByRole('button', { name: 'Connect', exact: true }));
  await expect(page).toHaveURL(/\/done$/, { timeout: 180_000 });
  await expectStatus(stack, setupId, 'verified');
  await tabTo(page, page.getByRole('button', { name: /Copy\s+Application \(client\) ID/ }), null);
});

test('small screens › every wizard page fits a phone and 200% zoom without sideways scrolling', async ({
  page,
  stack,
}) => {
  // 640 CSS px is what a 1280 px wide window shows at 200% zoom; 360 px is a small phone.
  for (const width of [640, 360]) {
    await page.setViewportSize({ width, height: 800 });
    await openInvite(page, stack);
    // Each page by its own heading: an error page ("This page could not load") fits a phone too.
    for (const [path, heading] of [
      ['welcome', /^Connect .+’s Dynamics 365 to Kantiv$/],
      ['manual', /^Set up the connection by hand$/],
    ] as const) {
      const url = new URL(page.url());
      url.pathname = url.pathname.replace(/\/[^/]+$/, `/${path}`);
      await page.goto(url.toString());
      await expect(page.getByRole('heading', { level: 1, name: heading })).toBeVisible();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, `${path} at ${width}px`).toBeLessThanOrEqual(0);
    }
  }
});
