import { readFile } from 'node:fs/promises';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';
import { startWizardRun } from './customer-admin.ts';
import { STAFF, signInToConsole } from './staff.ts';

async function search(page: Page, q: string) {
  await page.getByRole('searchbox', { name: 'Customer' }).fill(q);
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(new RegExp(`[?&]q=${encodeURIComponent(q).replaceAll('.', '\\.')}`));
  await expect(page.getByRole('status').filter({ hasText: /^Loading/ })).toHaveCount(0);
}

test('support finds a setup by tenant id, domain, setup id and environment, sorts the list, and downloads the filtered rows as CSV', async ({
  browser,
  page,
  stack,
}) => {
  test.setTimeout(360_000);
  const decoy = await stack.createSetup({ customerName: 'Findable Decoy' });
  const { setup, inviteUrl } = await stack.createSetup({ customerName: 'Findable Fabrikam' });
  const customer = await startWizardRun(browser, stack, inviteUrl);
  await expect
    .poll(async () => (await stack.getSetup(setup.id)).environmentUrl, { timeout: 240_000 })
    .toBeTruthy();
  await customer.close();
  const bound = await stack.getSetup(setup.id);
  const tenantId = bound.tenantId ?? '';
  const domain = bound.tenantDomain ?? '';
  const environmentHost = new URL(bound.environmentUrl ?? '').hostname;
  expect(tenantId && domain && environmentHost).toBeTruthy();

  await signInToConsole(page, STAFF.support.upn, '/console/setups');
  await expect(page).toHaveTitle(/^Setups · /);
  // Other specs' Contoso setups share the tenant, domain and environment in this stack: those searches must find
  // this setup and never the decoy (no tenant yet); the setup id is this setup's alone.
  for (const q of [tenantId, domain, environmentHost]) {
    await search(page, q);
    const rows = page.getByTestId('setup-row');
    await expect(rows.filter({ hasText: 'Findable Fabrikam' }), q).toHaveCount(1);
    await expect(rows.filter({ hasText: 'Findable Decoy' }), q).toHaveCount(0);
  }
  await search(page, setup.id);
  const rows = page.getByTestId('setup-row');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('Findable Fabrikam');
  await expect(page.getByTestId('count-all')).toHaveText('1');
  await expect(page.getByTestId('page-count')).toHaveText('Page 1 of 1 · 1 setup');

  // Sorted by any column: the heading is a button, and the order is in the URL (and in the CSV).
  await search(page, 'Findable');
  await expect(page.getByTestId('setup-row')).toHaveCount(2);
  await page.getByRole('button', { name: 'Customer', exact: true }).click();
  await expect(page).toHaveURL(/sort=customer&order=asc/);
  await expect(page.getByRole('columnheader', { name: 'Customer' })).toHaveAttribute(
    'aria-sort',
    'ascending',
  );
  await expect(page.getByTestId('setup-row').first()).toContainText('Findable Decoy');
  await page.getByRole('button', { name: 'Customer', exact: true }).click();
  await expect(page).toHaveURL(/sort=customer&order=desc/);
  await expect(page.getByTestId('setup-row').first()).toContainText('Findable Fabrikam');

  const downloading = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download CSV of these setups' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe('setups.csv');
  const lines = (await readFile(await download.path(), 'utf8')).trimEnd().split('\r\n');
  expect(lines[0]).toMatch(/^setup_id,customer,state,/);
  expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual([setup.id, decoy.setup.id]);
  expect(lines[1]).toContain(tenantId);

  // The search narrows the CSV as it narrows the list.
  await search(page, tenantId);
  const narrowed = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download CSV of these setups' }).click();
  const only = (await readFile(await (await narrowed).path(), 'utf8')).trimEnd().split('\r\n');
  expect(only).toHaveLength(2);
  expect(only[1]?.startsWith(`${setup.id},Findable Fabrikam,`)).toBe(true);
});
