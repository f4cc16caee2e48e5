import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';
import { expectNoSeriousA11yViolations } from './axe.ts';
import { STAFF, signInToConsole } from './staff.ts';

test.use({ viewport: { width: 390, height: 844 }, hasTouch: true });

/** The page itself never scrolls sideways (a wide table or a long URL must wrap or scroll inside its own box). */
async function expectNoHorizontalScroll(page: Page, what: string) {
  const { overflow, widest } = await page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    // The outermost elements that stick out name the culprit in the failure message.
    const out = Array.from(document.querySelectorAll<HTMLElement>('body *'))
      .filter((el) => el.getBoundingClientRect().right > width + 1)
      .filter((el) => !el.parentElement || el.parentElement.getBoundingClientRect().right <= width + 1)
      .slice(0, 5)
      .map((el) => `${el.tagName}.${el.className} ${Math.round(el.getBoundingClientRect().right)}`);
    return { overflow: document.documentElement.scrollWidth - width, widest: out.join('; ') };
  });
  expect(overflow, `horizontal overflow of ${what} at 390 px: ${widest}`).toBeLessThanOrEqual(0);
}

/** Every visible button, link-button, select and text field is at least 44 × 44 px on a touch layout. */
async function expectTouchTargets(page: Page, what: string) {
  const small = await page.evaluate(() =>
    Array.from(
      document.querySelectorAll<HTMLElement>(
        '#console-main button, #console-main select, #console-main input:not([type=checkbox]):not([type=radio]), #console-main a.c-button',
      ),
    )
      .filter((el) => el.offsetParent !== null)
      .map((el) => ({ el, box: el.getBoundingClientRect() }))
      .filter(({ box }) => box.height < 44 || box.width < 44)
      .map(({ el, box }) => `${el.tagName} "${el.textContent?.trim() ?? ''}" ${box.width}×${box.height}`),
  );
  expect(small, `touch targets under 44 px on ${what}`).toEqual([]);
}

test('at 390 px every console page has its own title, no sideways page scroll, 44 px touch targets and no serious axe violation', async ({
  page,
  stack,
}) => {
  test.setTimeout(240_000);
  const { setup } = await stack.createSetup({
    customerName: 'Narrow Screen Company With A Rather Long Name Ltd',
    expectedTenantDomain: 'contoso.com',
    environmentHint: 'https://a-very-long-environment-name-that-would-overflow.crm4.dynamics.com/',
  });
  const pages: [string, string, RegExp][] = [
    ['/console/setups', 'Setups', /^Setups · /],
    ['/console/setups/new', 'New setup', /^New setup · /],
    [
      `/console/setups/${setup.id}`,
      'Narrow Screen Company With A Rather Long Name Ltd',
      /^Narrow Screen .* · Setup · /,
    ],
    ['/console/api-keys', 'API keys', /^API keys · /],
    ['/console/webhooks', 'Webhooks', /^Webhooks · /],
    ['/console/audit', 'Audit log', /^Audit log · /],
    ['/console/no-such-page', 'Page not found', /^Page not found · /],
  ];
  await signInToConsole(page, STAFF.support.upn, '/console/setups');
  const titles = new Set<string>();
  for (const [path, heading, title] of pages) {
    await page.goto(path);
    await expect(page.getByRole('heading', { level: 1, name: heading, exact: true })).toBeVisible();
    await expect(page.getByRole('status').filter({ hasText: /^Loading/ })).toHaveCount(0);
    await expect(page).toHaveTitle(title);
    titles.add(await page.title());
    await expectNoHorizontalScroll(page, path);
    await expectTouchTargets(page, path);
    await expectNoSeriousA11yViolations(page, `${path} at 390 px`);
  }
  expect(titles.size).toBe(pages.length);

  // The list at 390 px: a card per setup, every column labelled and on screen.
  await page.goto('/console/setups');
  const row = page.getByTestId('setup-row').filter({ hasText: 'Narrow Screen Company' });
  for (const label of [
    'Customer',
    'State',
    'Tenant',
    'Environment',
    'Created',
    'Created by',
    'Invite expires',
  ]) {
    const cell = row.locator(`td[data-label="${label}"]`);
    await expect(cell).toBeVisible();
    const box = await cell.boundingBox();
    expect(box && box.x >= 0 && box.x + box.width <= 390, `${label} within 390 px`).toBe(true);
  }
});
