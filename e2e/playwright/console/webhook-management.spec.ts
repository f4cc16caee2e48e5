import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from './fixtures.ts';
import { expectNoSeriousA11yViolations } from './axe.ts';
import { STAFF, signInToConsole } from './staff.ts';

/** A receiver on loopback (the only address tests send to) that answers `status.code` and keeps each signature. */
async function startReceiver() {
  const status = { code: 500 };
  const signatures: string[] = [];
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      signatures.push(String(req.headers['webhook-signature'] ?? ''));
      res.writeHead(status.code).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/managed-hooks`;
  return { url, status, signatures, close: () => new Promise((resolve) => server.close(resolve)) };
}

test.describe('webhook management in the console', () => {
  // Generous: sign-in, axe and the server share two cores with the browser.
  test.describe.configure({ timeout: 240_000 });

  test('support edits by keyboard, pauses, makes a new signing key shown once, redelivers a failed delivery and deletes; the audit log shows it', async ({
    page,
  }) => {
    const receiver = await startReceiver();
    try {
      await signInToConsole(page, STAFF.support.upn, '/console/webhooks');
      await expect(page.getByRole('heading', { level: 1, name: 'Webhooks', exact: true })).toBeVisible();
      // Each event says what it tells the receiver.
      await expect(page.getByRole('checkbox', { name: 'setup.blocked' })).toHaveAccessibleDescription(
        /blocker/,
      );
      await page.getByLabel('Receiver URL').fill(receiver.url);
      await page.getByRole('checkbox', { name: 'setup.verified' }).check();
      await page.getByRole('button', { name: 'Add subscription' }).click();
      const firstKey = await page.getByLabel('Signing key').inputValue();
      await page.getByRole('button', { name: 'Done' }).click();
      const sub = page.getByTestId('webhook').filter({ hasText: receiver.url });
      await expect(sub.getByTestId('webhook-status')).toHaveText('Active');

      // A delivery the receiver refuses is shown failed, with its answer and attempts, and can be sent again.
      await sub.getByRole('button', { name: 'Send a test delivery' }).click();
      const delivery = sub.getByTestId('delivery-row').first();
      await expect(delivery).toHaveAttribute('data-status', 'failed');
      await expect(delivery).toContainText('HTTP 500');
      receiver.status.code = 204;
      await delivery.getByRole('button', { name: /Redeliver/ }).click();
      await expect(sub.getByText('The webhook.test delivery was queued again.')).toBeVisible();
      await expect(async () => {
        await sub.getByRole('button', { name: 'Refresh deliveries' }).click();
        await expect(delivery).toHaveAttribute('data-status', 'succeeded', { timeout: 2_000 });
      }).toPass({ timeout: 30_000 });
      await expect(delivery).toContainText('Delivered');

      // Edit by keyboard: the form takes focus, Enter saves.
      await sub.getByRole('button', { name: /^Edit/ }).focus();
      await page.keyboard.press('Enter');
      const form = sub.getByRole('form', { name: `Edit the subscription for ${receiver.url}` });
      await expect(form.getByLabel('Receiver URL')).toBeFocused();
      await form.getByLabel('Description (optional)').fill('CRM sync receiver');
      await form.getByRole('checkbox', { name: 'setup.failed' }).check();
      await form.getByLabel('Receiver URL').focus();
      await page.keyboard.press('Enter');
      await expect(sub.getByText('The subscription was saved.')).toBeVisible();
      await expect(sub).toContainText('setup.verified, setup.failed');
      await expect(sub).toContainText('CRM sync receiver');

      // Pause: nothing goes out, so a test delivery is not offered; resume.
      await sub.getByRole('button', { name: /^Pause/ }).click();
      await expect(sub.getByTestId('webhook-status')).toHaveText('Paused');
      await expect(sub.getByRole('button', { name: 'Send a test delivery' })).toBeDisabled();
      await sub.getByRole('button', { name: /^Resume/ }).click();
      await expect(sub.getByTestId('webhook-status')).toHaveText('Active');

      // A new signing key: asked first, shown once, the grace period said; deliveries then carry both signatures.
      await sub.getByRole('button', { name: /^New signing key/ }).click();
      const confirm = sub.getByRole('group', { name: 'Confirm new signing key' });
      await expect(confirm).toContainText('grace period');
      await expectNoSeriousA11yViolations(page, 'the webhooks page asking for a new signing key');
      await confirm.getByRole('button', { name: 'Yes, make a new signing key' }).click();
      const rotated = sub.getByTestId('rotated-secret');
      await expect(rotated).toHaveValue(/^whsec_/);
      expect(await rotated.inputValue()).not.toBe(firstKey);
      await expect(sub).toContainText('shown only once');
      await expect(sub).toContainText('two signatures');
      await expect(sub.getByTestId('secret-grace')).toBeVisible();
      await expectNoSeriousA11yViolations(page, 'the webhooks page with a new signing key');
      await sub.getByRole('button', { name: 'Done' }).click();
      await expect(sub.getByTestId('rotated-secret')).toHaveCount(0);
      const before = receiver.signatures.length;
      await sub.getByRole('button', { name: 'Send a test delivery' }).click();
      await expect(sub.getByText('Test delivery sent.')).toBeVisible();
      await expect.poll(() => receiver.signatures.length).toBe(before + 1);
      expect(receiver.signatures.at(-1)?.split(' ')).toHaveLength(2);

      // The audit page, by its own heading, lists what was done.
      await page.getByRole('link', { name: 'Audit log' }).click();
      await expect(page.getByRole('heading', { level: 1, name: 'Audit log', exact: true })).toBeVisible();
      const rows = page.getByTestId('audit-row');
      for (const action of ['webhook.updated', 'webhook.secret_rotated', 'webhook.redelivered'])
        await expect(rows.filter({ hasText: action }).first()).toBeVisible();
      await expectNoSeriousA11yViolations(page, 'the audit log after webhook changes');

      // Delete: asked first, then gone.
      await page.getByRole('link', { name: 'Webhooks' }).click();
      await expect(page.getByRole('heading', { level: 1, name: 'Webhooks', exact: true })).toBeVisible();
      await sub.getByRole('button', { name: /^Delete/ }).click();
      await expect(sub.getByRole('group', { name: 'Confirm delete' })).toContainText('cannot be undone');
      await sub.getByRole('button', { name: 'Yes, delete' }).click();
      await expect(page.getByTestId('webhook').filter({ hasText: receiver.url })).toHaveCount(0);
    } finally {
      await receiver.close();
    }
  });

  test('read-only staff see every webhook control disabled, under one banner naming whom to ask', async ({
    page,
    request,
    stack,
  }) => {
    const hook = await request.post('/api/v1/webhooks', {
      headers: { authorization: `Bearer ${stack.apiKey}` },
      data: { url: 'https://hooks.example.com/read-only-managed', events: ['setup.verified'] },
    });
    expect(hook.status()).toBe(201);
    await signInToConsole(page, STAFF.viewer.upn, '/console/webhooks');
    await expect(page.getByRole('heading', { level: 1, name: 'Webhooks', exact: true })).toBeVisible();
    await expect(page.getByRole('note')).toHaveCount(1);
    await expect(page.getByTestId('read-only-banner')).toContainText('Ask a Kantiv Connect administrator');
    const sub = page
      .getByTestId('webhook')
      .filter({ hasText: 'https://hooks.example.com/read-only-managed' });
    for (const name of [/^Edit/, /^Pause/, /^New signing key/, /^Delete/, /^Send a test delivery/])
      await expect(sub.getByRole('button', { name })).toBeDisabled();
    // The form's fields too, not only its button.
    await expect(page.getByLabel('Receiver URL')).toBeDisabled();
    await expectNoSeriousA11yViolations(page, 'the read-only webhooks page');
  });
});
