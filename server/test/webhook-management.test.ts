import { randomUUID } from 'node:crypto';
import { expect, it, vi } from 'vitest';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { ApiErrorSchema } from '@kantiv/shared/errors';
import {
  CreateWebhookResponseSchema,
  RotateWebhookSecretResponseSchema,
  WebhookDeliverySchema,
  WebhookSubscriptionListSchema,
  WebhookSubscriptionSchema,
} from '@kantiv/shared/webhooks';
import { describeDialects } from './helpers/databases.ts';
import { bearer, type TestContext, useTestApp } from './helpers/app.ts';
import { standardHeaders, useWebhookReceiver, WEBHOOK_TEST_ENV } from './helpers/webhook-receiver.ts';

async function expectError(res: { statusCode: number; json: () => unknown }, status: number) {
  expect(res.statusCode).toBe(status);
  expect(ApiErrorSchema.safeParse(res.json()).success).toBe(true);
}

describeDialects('webhook management (%s)', (dialect) => {
  const ctx: TestContext = useTestApp(dialect, WEBHOOK_TEST_ENV);
  const hook = useWebhookReceiver();
  const { received } = hook;

  const staff = () => bearer(ctx.staffManage);
  const subscribe = (events: string[] = ['setup.verified']) => hook.subscribe(ctx, staff(), events);
  const sendTest = (id: string) => hook.sendTest(ctx, staff(), id);
  const patch = (id: string, payload: unknown, headers = staff()) =>
    ctx.call({ method: 'PATCH', url: `/api/v1/webhooks/${id}`, headers, payload: payload as object });

  it('edits URL, events and description; the audit log names what changed', async () => {
    const { subscription } = await subscribe();
    const res = await patch(subscription.id, {
      url: `${hook.base()}/other`,
      events: ['setup.failed', 'setup.blocked'],
      description: 'Support chat',
    });
    expect(res.statusCode).toBe(200);
    expect(WebhookSubscriptionSchema.parse(res.json())).toMatchObject({
      url: `${hook.base()}/other`,
      events: ['setup.failed', 'setup.blocked'],
      description: 'Support chat',
    });
    const cleared = WebhookSubscriptionSchema.parse(
      (await patch(subscription.id, { description: '' })).json(),
    );
    expect(cleared.description).toBeUndefined();
    const { items } = await ctx.app.audit.list({ action: 'webhook.updated', limit: 5 });
    expect(items[0]).toMatchObject({ target: subscription.id, details: { changed: ['description'] } });
    expect(items[1]?.details).toMatchObject({ changed: ['url', 'events', 'description'] });
  });

  it('refuses bad edits with the shared error shape', async () => {
    const { subscription } = await subscribe();
    await expectError(await patch(subscription.id, {}), 400);
    await expectError(await patch(subscription.id, { secret: 'x' }), 400);
    await expectError(await patch(subscription.id, { url: 'ftp://example.com/x' }), 400);
    await expectError(await patch(subscription.id, { events: ['setup.exploded'] }), 400);
    await expectError(await patch(subscription.id, { url: 'https://user:pw@example.com/x' }), 400);
    await expectError(await patch('not-a-uuid', { paused: true }), 400);
    await expectError(await patch(randomUUID(), { paused: true }), 404);
    await expectError(await patch(subscription.id, { paused: true }, bearer(ctx.staffRead)), 403);
    await ctx.call({ method: 'DELETE', url: `/api/v1/webhooks/${subscription.id}`, headers: staff() });
    await expectError(await patch(subscription.id, { paused: false }), 404);
  });

  it('a paused subscription is listed as paused and gets nothing; resumed, it gets events again', async () => {
    const { subscription } = await subscribe(['setup.failed']);
    const paused = WebhookSubscriptionSchema.parse((await patch(subscription.id, { paused: true })).json());
    expect(paused.pausedAt).toBeDefined();
    const list = WebhookSubscriptionListSchema.parse(
      (await ctx.call({ method: 'GET', url: '/api/v1/webhooks', headers: staff() })).json(),
    );
    expect(list.items.find((s) => s.id === subscription.id)?.pausedAt).toBe(paused.pausedAt);
    const setupId = randomUUID();
    await ctx.app.webhooks.emit('setup.failed', setupId);
    const queued = await ctx.app.store.db
      .selectFrom('webhook_deliveries')
      .select('id')
      .where('subscription_id', '=', subscription.id)
      .execute();
    expect(queued).toHaveLength(0);
    const resumed = WebhookSubscriptionSchema.parse((await patch(subscription.id, { paused: false })).json());
    expect(resumed.pausedAt).toBeUndefined();
    await ctx.app.webhooks.emit('setup.failed', setupId);
    const [sent] = await ctx.app.store.db
      .selectFrom('webhook_deliveries')
      .select('id')
      .where('subscription_id', '=', subscription.id)
      .execute();
    await vi.waitFor(() => expect(received.some((r) => r.headers['webhook-id'] === sent?.id)).toBe(true), {
      timeout: 10_000,
    });
  });

  it('rotating the secret: shown once, both secrets sign during the grace period, then only the new one', async () => {
    const { subscription, signingSecret: old } = await subscribe();
    const res = await ctx.call({
      method: 'POST',
      url: `/api/v1/webhooks/${subscription.id}/rotate-secret`,
      headers: staff(),
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const rotated = RotateWebhookSecretResponseSchema.parse(res.json());
    expect(rotated.signingSecret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(rotated.signingSecret).not.toBe(old);
    const graceEnd = Date.parse(rotated.subscription.previousSecretValidUntil ?? '');
    expect(graceEnd - Date.now()).toBeGreaterThan(23 * 3_600_000);
    const { hits } = await sendTest(subscription.id);
    expect(hits).toHaveLength(1);
    const hit = hits[0]!;
    expect(String(hit.headers['webhook-signature']).split(' ')).toHaveLength(2);
    // A receiver still holding the old secret and one already switched both accept the same delivery.
    expect(() => new Webhook(old).verify(hit.body, standardHeaders(hit.headers))).not.toThrow();
    expect(() =>
      new Webhook(rotated.signingSecret).verify(hit.body, standardHeaders(hit.headers)),
    ).not.toThrow();
    // The grace period over, the old secret no longer signs.
    await ctx.app.store.db
      .updateTable('webhook_subscriptions')
      .set({ previous_until: new Date(Date.now() - 1000).toISOString() })
      .where('id', '=', subscription.id)
      .execute();
    const after = (await sendTest(subscription.id)).hits[0]!;
    expect(String(after.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(() => new Webhook(old).verify(after.body, standardHeaders(after.headers))).toThrow(
      WebhookVerificationError,
    );
    expect(() =>
      new Webhook(rotated.signingSecret).verify(after.body, standardHeaders(after.headers)),
    ).not.toThrow();
    const { items } = await ctx.app.audit.list({ action: 'webhook.secret_rotated', limit: 1 });
    expect(items[0]?.target).toBe(subscription.id);
    expect(JSON.stringify(items[0])).not.toContain(rotated.signingSecret);
  });

  it('redelivers a failed delivery with the same webhook-id; refuses a queued one, an unknown one, a paused webhook', async () => {
    const { subscription } = await subscribe();
    hook.answerWith(500);
    const { delivery } = await sendTest(subscription.id);
    hook.answerWith(204);
    expect(delivery.status).toBe('failed');
    const url = `/api/v1/webhooks/${subscription.id}/deliveries/${delivery.id}/redeliver`;
    const res = await ctx.call({ method: 'POST', url, headers: staff() });
    expect(res.statusCode).toBe(202);
    expect(WebhookDeliverySchema.parse(res.json()).status).toBe('pending');
    await vi.waitFor(
      () => expect(received.filter((r) => r.headers['webhook-id'] === delivery.id)).toHaveLength(2),
      { timeout: 10_000 },
    );
    await vi.waitFor(async () => {
      const row = await ctx.app.store.db
        .selectFrom('webhook_deliveries')
        .select('status')
        .where('id', '=', delivery.id)
        .executeTakeFirstOrThrow();
      expect(row.status).toBe('succeeded');
    });
    await ctx.app.store.db
      .updateTable('webhook_deliveries')
      .set({ status: 'pending' })
      .where('id', '=', delivery.id)
      .execute();
    await expectError(await ctx.call({ method: 'POST', url, headers: staff() }), 409);
    await ctx.app.store.db
      .updateTable('webhook_deliveries')
      .set({ status: 'failed' })
      .where('id', '=', delivery.id)
      .execute();
    await patch(subscription.id, { paused: true });
    await expectError(await ctx.call({ method: 'POST', url, headers: staff() }), 409);
    const unknown = `/api/v1/webhooks/${subscription.id}/deliveries/${randomUUID()}/redeliver`;
    await expectError(await ctx.call({ method: 'POST', url: unknown, headers: staff() }), 404);
    const bad = `/api/v1/webhooks/${subscription.id}/deliveries/nope/redeliver`;
    await expectError(await ctx.call({ method: 'POST', url: bad, headers: staff() }), 400);
    await expectError(await ctx.call({ method: 'POST', url, headers: bearer(ctx.staffRead) }), 403);
    const { items } = await ctx.app.audit.list({ action: 'webhook.redelivered', limit: 1 });
    expect(items[0]?.details).toMatchObject({ deliveryId: delivery.id });
  });
});

describeDialects('webhook secret rotation without a grace period (%s)', (dialect) => {
  const ctx = useTestApp(dialect, { WEBHOOK_SECRET_GRACE_HOURS: '0', WEBHOOK_ALLOW_LOOPBACK: 'true' });
  it('the old secret stops at once', async () => {
    ctx.hosts.set('hooks.example.com', ['127.0.0.1']);
    const created = await ctx.call({
      method: 'POST',
      url: '/api/v1/webhooks',
      headers: bearer(ctx.apiKey),
      payload: { url: 'https://hooks.example.com/x', events: ['setup.verified'] },
    });
    const { subscription } = CreateWebhookResponseSchema.parse(created.json());
    const res = await ctx.call({
      method: 'POST',
      url: `/api/v1/webhooks/${subscription.id}/rotate-secret`,
      headers: bearer(ctx.apiKey),
    });
    const rotated = RotateWebhookSecretResponseSchema.parse(res.json());
    expect(rotated.subscription.previousSecretValidUntil).toBeUndefined();
  });
});
