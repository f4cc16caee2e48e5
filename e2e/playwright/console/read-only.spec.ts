import { expect, test } from './fixtures.ts';
import { STAFF, signInToConsole } from './staff.ts';

const READ_ONLY = 'Read-only access: you cannot do this.';

test.describe('read-only staff (Connect.Read)', () => {
  // Generous: sign-in, axe and the server share two cores with the browser.
  test.describe.configure({ timeout: 180_000 });

  test('see every page, but every action is disabled with the reason beside it', async ({
    page,
    request,
    stack,
  }) => {
    const { setup } = await stack.createSetup({ customerName: 'Viewer Visible Co' });
    // Only staff manage API keys.
    const support = { authorization: `Bearer ${await stack.staffToken(STAFF.support.upn)}` };
    const key = await request.post('/api/v1/api-keys', {
      headers: support,
      data: { name: 'billing-sync', scopes: ['setups:read'] },
    });
    expect(key.status()).toBe(201);
    const hook = await request.post('/api/v1/webhooks', {
      headers: { authorization: `Bearer ${stack.apiKey}` },
      data: { url: 'https://hooks.example.com/kantiv', events: ['setup.verified'] },
    });
    expect(hook.status()).toBe(201);

    await signInToConsole(page, STAFF.viewer.upn, '/console/setups');
    await expect(page.getByTestId('staff-user')).toContainText('read-only');

    // List: visible, but no way to create a setup.
    await expect(page.getByRole('link', { name: 'Viewer Visible Co' })).toBeVisible();
    await expect(page.getByRole('link', { name: 'New setup' })).toHaveCount(0);
    await expect(page.getByText('Read-only access: you cannot create setups.')).toBeVisible();

    // New setup form, reached by URL: the submit button is disabled and says why.
    await page.goto('/console/setups/new');
    await expect(page.getByRole('note')).toContainText('Connect.Manage');
    await expect(page.getByRole('button', { name: 'Create setup' })).toBeDisabled();
    await expect(page.getByText(READ_ONLY)).toBeVisible();

    // Setup detail: every action disabled, each described by the reason.
    await page.goto(`/console/setups/${setup.id}`);
    await expect(page.getByRole('heading', { level: 1, name: 'Viewer Visible Co' })).toBeVisible();
    for (const name of ['Re-verify', 'Extend', 'New invite link', 'Revoke']) {
      const button = page.getByRole('button', { name, exact: true });
      await expect(button).toBeDisabled();
      await expect(button).toHaveAccessibleDescription(READ_ONLY);
    }

    // API keys: listed, none can be created or revoked.
    await page.getByRole('link', { name: 'API keys' }).click();
    const keyRow = page.getByTestId('api-key-row').filter({ hasText: 'billing-sync' });
    await expect(keyRow).toBeVisible();
    await expect(page.getByRole('button', { name: 'Create key' })).toBeDisabled();
    await expect(keyRow.getByRole('button', { name: /Revoke/ })).toBeDisabled();

    // Webhooks: listed, none can be added or tested.
    await page.getByRole('link', { name: 'Webhooks' }).click();
    const webhook = page.getByTestId('webhook').filter({ hasText: 'https://hooks.example.com/kantiv' });
    await expect(webhook).toBeVisible();
    await expect(page.getByRole('button', { name: 'Add subscription' })).toBeDisabled();
    await expect(webhook.getByRole('button', { name: 'Send a test delivery' })).toBeDisabled();

    // Audit log: readable.
    await page.getByRole('link', { name: 'Audit log' }).click();
    await expect(page.getByTestId('audit-row').first()).toBeVisible();
  });

  test('are refused by the API for every change, and nothing changes', async ({ request, stack }) => {
    const { setup } = await stack.createSetup({ customerName: 'Viewer Cannot Touch Co' });
    // Only staff manage API keys.
    const support = { authorization: `Bearer ${await stack.staffToken(STAFF.support.upn)}` };
    const key = await request.post('/api/v1/api-keys', {
      headers: support,
      data: { name: 'untouchable', scopes: ['setups:read'] },
    });
    const keyId = ((await key.json()) as { apiKey: { id: string } }).apiKey.id;
    const hook = await request.post('/api/v1/webhooks', {
      headers: { authorization: `Bearer ${stack.apiKey}` },
      data: { url: 'https://hooks.example.com/untouchable', events: ['setup.failed'] },
    });
    const hookId = ((await hook.json()) as { subscription: { id: string } }).subscription.id;

    const token = await stack.staffToken(STAFF.viewer.upn);
    const headers = { authorization: `Bearer ${token}` };

    // Reading works.
    expect((await request.get('/api/v1/setups', { headers })).status()).toBe(200);
    expect((await request.get(`/api/v1/setups/${setup.id}`, { headers })).status()).toBe(200);
    expect((await request.get('/api/v1/audit', { headers })).status()).toBe(200);

    const changes: [string, string, unknown][] = [
      ['POST', '/api/v1/setups', { customerName: 'Not Allowed Co' }],
      ['POST', `/api/v1/setups/${setup.id}/revoke`, undefined],
      ['POST', `/api/v1/setups/${setup.id}/extend`, { hours: 24 }],
      ['POST', `/api/v1/setups/${setup.id}/reverify`, undefined],
      ['POST', `/api/v1/setups/${setup.id}/invite`, undefined],
      ['POST', '/api/v1/api-keys', { name: 'mine', scopes: ['setups:read'] }],
      ['POST', `/api/v1/api-keys/${keyId}/revoke`, undefined],
      ['POST', '/api/v1/webhooks', { url: 'https://hooks.example.com/x', events: ['setup.verified'] }],
      ['POST', `/api/v1/webhooks/${hookId}/test`, undefined],
      ['DELETE', `/api/v1/webhooks/${hookId}`, undefined],
    ];
    for (const [method, url, data] of changes) {
      const res = await request.fetch(url, { method, headers, ...(data === undefined ? {} : { data }) });
      expect(res.status(), `${method} ${url}`).toBe(403);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('forbidden');
    }

    // Nothing changed: the setup is still invited, the key still active, the webhook still there.
    const after = (await (await request.get(`/api/v1/setups/${setup.id}`, { headers })).json()) as {
      state: string;
      inviteExpiresAt: string;
    };
    const before = (await (
      await request.get(`/api/v1/setups/${setup.id}`, {
        headers: { authorization: `Bearer ${stack.apiKey}` },
      })
    ).json()) as { state: string; inviteExpiresAt: string };
    expect(after.state).toBe('invited');
    expect(after.inviteExpiresAt).toBe(before.inviteExpiresAt);
    const keys = (await (await request.get('/api/v1/api-keys', { headers })).json()) as {
      items: { id: string; revokedAt?: string }[];
    };
    expect(keys.items.find((k) => k.id === keyId)?.revokedAt).toBeUndefined();
    const hooks = (await (await request.get('/api/v1/webhooks', { headers })).json()) as {
      items: { id: string }[];
    };
    expect(hooks.items.map((h) => h.id)).toContain(hookId);
    const created = (await (await request.get('/api/v1/setups?q=Not%20Allowed', { headers })).json()) as {
      items: unknown[];
    };
    expect(created.items).toHaveLength(0);
  });
});
