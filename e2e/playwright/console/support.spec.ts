import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from './fixtures.ts';
import { STAFF, signInToConsole } from './staff.ts';

/** A JWT-shaped string: no access token may ever be on screen. */
const JWT = /eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/;

test.describe('support staff (Connect.Manage)', () => {
  // Generous: sign-in, axe and the server share two cores with the browser.
  test.describe.configure({ timeout: 180_000 });

  test('create a setup: the form checks its input, and the invite link is shown once with a copy button', async ({
    page,
    context,
  }) => {
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    await signInToConsole(page, STAFF.support.upn, '/console/setups/new');
    await page.getByRole('button', { name: 'Create setup' }).click();
    await expect(page.getByLabel('Customer name')).toHaveAttribute('aria-invalid', 'true');
    // The first field in error takes the focus.
    await expect(page.getByLabel('Customer name')).toBeFocused();
    await page.getByLabel('Customer name').fill('Northwind Traders');
    await page.getByLabel('Expected tenant domain (optional)').fill('not a domain');
    await page.getByRole('button', { name: 'Create setup' }).click();
    await expect(page.getByLabel('Expected tenant domain (optional)')).toBeFocused();
    await expect(page.getByText('must be a domain like contoso.com')).toBeVisible();
    await page.getByLabel('Expected tenant domain (optional)').fill('northwind.com');
    await page.getByLabel('Dynamics environment (optional)').fill('https://northwind.crm.dynamics.com');
    await page.getByLabel('Secret lifetime').selectOption('12');
    await page.getByLabel('Invite expires after (days)').fill('3');
    await page.getByRole('button', { name: 'Create setup' }).click();

    await expect(
      page.getByRole('heading', { level: 1, name: 'Setup created for Northwind Traders' }),
    ).toBeVisible();
    const invite = await page.getByTestId('invite-url').inputValue();
    expect(invite).toMatch(/#token=/);
    await page.getByRole('button', { name: /invite link/ }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(invite);

    // Shown once: the setup's own page never shows it again.
    await page.getByRole('link', { name: 'Follow this setup live' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Northwind Traders' })).toBeVisible();
    const facts = page.getByRole('region', { name: 'Connection' });
    await expect(facts).toContainText('northwind.com');
    await expect(facts).toContainText('https://northwind.crm.dynamics.com (hint)');
    const token = new URL(invite).hash.slice('#token='.length);
    expect(await page.locator('body').innerText()).not.toContain(token);
    expect(await page.locator('body').innerText()).not.toMatch(JWT);
  });

  test('extend the invite, issue a fresh invite link (the old one stops working), then revoke', async ({
    page,
    request,
    stack,
  }) => {
    const { setup, inviteUrl } = await stack.createSetup({
      customerName: 'Adventure Works',
      inviteExpiresInHours: 24,
    });
    await signInToConsole(page, STAFF.support.upn, `/console/setups/${setup.id}`);
    const facts = page.getByRole('region', { name: 'Connection' });
    const expiresBefore = await facts.locator('div', { hasText: 'Invite expires' }).locator('dd').innerText();

    await page.getByLabel('Extend the invite by').selectOption('30');
    await page.getByRole('button', { name: 'Extend', exact: true }).click();
    await expect(page.getByText('The invite was extended.')).toBeVisible();
    await expect(facts.locator('div', { hasText: 'Invite expires' }).locator('dd')).not.toHaveText(
      expiresBefore,
    );

    await page.getByRole('button', { name: 'New invite link' }).click();
    const fresh = await page.getByTestId('new-invite-url').inputValue();
    expect(fresh).not.toBe(inviteUrl);
    const wizardSetup = (url: string) =>
      request.get('/api/v1/wizard/setup', {
        headers: { authorization: `Bearer ${new URL(url).hash.slice('#token='.length)}` },
      });
    expect((await wizardSetup(inviteUrl)).status()).toBe(401);
    expect((await wizardSetup(fresh)).status()).toBe(200);

    await page.getByRole('button', { name: 'Revoke', exact: true }).click();
    await page
      .getByRole('group', { name: 'Confirm revoke' })
      .getByRole('button', { name: 'Yes, revoke' })
      .click();
    await expect(page.getByTestId('setup-state')).toHaveText('Revoked');
    await expect(page.getByRole('button', { name: 'Re-verify' })).toBeDisabled();
    expect((await wizardSetup(fresh)).status()).not.toBe(200);
  });

  test('the list counts setups per state, filters, searches, sorts by last activity and pages', async ({
    page,
    stack,
  }) => {
    const tag = `Paging-${Date.now()}`;
    for (let i = 1; i <= 27; i += 1) {
      await stack.createSetup({ customerName: `${tag} ${String(i).padStart(2, '0')}` });
    }
    await signInToConsole(page, STAFF.support.upn, '/console/setups');
    await expect(page.getByTestId('setup-row').first()).toBeVisible();
    const invitedCount = Number(await page.getByTestId('count-invited').innerText());
    expect(invitedCount).toBeGreaterThanOrEqual(27);

    await page.getByRole('searchbox', { name: 'Customer' }).fill(tag);
    await page.getByRole('button', { name: 'Search' }).click();
    await expect(page).toHaveURL(new RegExp(`q=${tag}`));
    const rows = page.getByTestId('setup-row');
    await expect(rows).toHaveCount(25);
    // Sorted by last activity, newest first, across pages.
    await expect(rows.first()).toContainText(`${tag} 27`);
    await page.getByRole('button', { name: 'Next page' }).click();
    await expect(rows).toHaveCount(2);
    await expect(rows.last()).toContainText(`${tag} 01`);
    await page.getByRole('button', { name: 'Previous page' }).click();
    await expect(rows).toHaveCount(25);

    await expect(page.getByRole('columnheader', { name: /Last activity/ })).toHaveAttribute(
      'aria-sort',
      'descending',
    );

    // Filter by state, from the counts or the select.
    await page.getByRole('button', { name: /^Revoked/ }).click();
    await expect(page).toHaveURL(/state=revoked/);
    await expect(page.getByText('No setup matches these filters.')).toBeVisible();
    await page.getByRole('combobox', { name: /^State/ }).selectOption('invited');
    await expect(rows).toHaveCount(25);
  });

  test('API keys: created with scopes and shown once, listed by prefix, revoked', async ({
    page,
    request,
  }) => {
    await signInToConsole(page, STAFF.support.upn, '/console/api-keys');
    await page.getByLabel('Name').fill('crm-sync');
    await page.getByRole('checkbox', { name: /setups:read/ }).check();
    await page.getByRole('button', { name: 'Create key' }).click();
    const key = await page.getByTestId('new-api-key').inputValue();
    expect(key).toMatch(/^kc_/);
    const row = page.getByTestId('api-key-row').filter({ hasText: 'crm-sync' });
    await expect(row).toContainText('setups:read');
    await expect(row).toContainText(`${key.slice(0, 6)}`);
    expect(await row.innerText()).not.toContain(key);

    const auth = { authorization: `Bearer ${key}` };
    expect((await request.get('/api/v1/setups', { headers: auth })).status()).toBe(200);
    expect(
      (await request.post('/api/v1/setups', { headers: auth, data: { customerName: 'x' } })).status(),
    ).toBe(403);

    await page.getByRole('button', { name: 'Done' }).click();
    await expect(page.getByTestId('new-api-key')).toHaveCount(0);
    await row.getByRole('button', { name: /Revoke/ }).click();
    // Asked first, saying what stops; the key is still active until confirmed.
    const confirm = row.getByRole('group', { name: 'Confirm revoking crm-sync' });
    await expect(confirm).toContainText('This cannot be undone');
    await expect(confirm).not.toContainText('every scope');
    await expect(row).toHaveAttribute('data-revoked', 'false');
    await confirm.getByRole('button', { name: 'Yes, revoke crm-sync' }).click();
    await expect(row).toContainText('Revoked');
    // Revoked keys are listed apart from the active ones.
    await expect(row).toHaveAttribute('data-revoked', 'true');
    await expect(
      page
        .getByRole('region', { name: 'Revoked keys' })
        .getByTestId('api-key-row')
        .filter({ hasText: 'crm-sync' }),
    ).toHaveCount(1);
    expect((await request.get('/api/v1/setups', { headers: auth })).status()).toBe(401);
  });

  test('webhooks: a subscription is created, a test delivery is sent and its status shown', async ({
    page,
  }) => {
    const received: string[] = [];
    const receiver: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push(`${String(req.headers['webhook-signature'] ?? '')} ${body}`);
        res.writeHead(200, { 'content-type': 'text/plain' }).end('thanks from the receiver');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/kantiv-hooks`;
    try {
      await signInToConsole(page, STAFF.support.upn, '/console/webhooks');
      await page.getByLabel('Receiver URL').fill(url);
      await page.getByRole('checkbox', { name: 'setup.verified' }).check();
      await page.getByRole('checkbox', { name: 'setup.failed' }).check();
      await page.getByRole('button', { name: 'Add subscription' }).click();
      await expect(page.getByLabel('Signing key')).not.toHaveValue('');
      const sub = page.getByTestId('webhook').filter({ hasText: url });
      await expect(sub).toContainText('setup.verified, setup.failed');
      await sub.getByRole('button', { name: 'Send a test delivery' }).click();
      await expect(sub.getByText('Test delivery sent.')).toBeVisible();
      const delivery = sub.getByTestId('delivery-row').first();
      await expect(delivery).toContainText('webhook.test');
      await expect(delivery).toContainText('HTTP 200');
      // The status only: a receiver's answer is never echoed (issue 14: it could be an internal page).
      await expect(delivery).not.toContainText('thanks from the receiver');
      expect(received).toHaveLength(1);
      expect(received[0]).toMatch(/^v1,[A-Za-z0-9+/]{43}= /);
    } finally {
      await new Promise((resolve) => receiver.close(resolve));
    }
  });

  test('the audit log lists staff actions and filters by action and actor', async ({ page, stack }) => {
    const { setup } = await stack.createSetup({ customerName: 'Audited Co' });
    await signInToConsole(page, STAFF.support.upn, `/console/setups/${setup.id}`);
    await page.getByRole('button', { name: 'Extend', exact: true }).click();
    await expect(page.getByText('The invite was extended.')).toBeVisible();

    await page.getByRole('link', { name: 'Audit log' }).click();
    await expect(page.getByTestId('audit-row').first()).toBeVisible();
    await page.getByLabel('Setup id').fill(setup.id);
    await page.getByRole('button', { name: 'Filter' }).click();
    const rows = page.getByTestId('audit-row');
    await expect(rows.filter({ hasText: 'setup.extended' })).toHaveCount(1);
    await expect(rows.filter({ hasText: 'setup.created' })).toHaveCount(1);

    await page.getByLabel('Actor').selectOption('staff');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect(page).toHaveURL(/actorKind=staff/);
    await expect(rows.filter({ hasText: 'setup.extended' })).toHaveCount(1);
    await expect(rows.filter({ hasText: 'setup.created' })).toHaveCount(0);

    await page.getByLabel('Action').selectOption('setup.created');
    await page.getByLabel('Actor').selectOption('');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect(rows).toHaveCount(1);
    await expect(rows.first()).toContainText('API key');
    expect(await page.locator('body').innerText()).not.toMatch(JWT);
    expect(await page.locator('body').innerText()).not.toContain(stack.apiKey);
  });
});
