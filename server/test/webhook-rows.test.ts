import type http from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { CreateApiKeyResponseSchema } from '@kantiv/shared/auth';
import {
  CreateWebhookResponseSchema,
  WebhookDeliverySchema,
  WebhookPayloadSchema,
} from '@kantiv/shared/webhooks';
import { seal, webhookSecretAad } from '../src/vault/vault.ts';
import { sealedColumns } from '../src/services/sealed-columns.ts';
import { describeDialects } from './helpers/databases.ts';
import { bearer, createSetup, type TestContext, useTestApp } from './helpers/app.ts';
import { startReceiver, type Receiver } from './helpers/receiver.ts';
import { standardHeaders } from './helpers/webhook-receiver.ts';

type Hit = { path: string; headers: http.IncomingHttpHeaders; body: string };

/** One counter's value from `GET /metrics` (0 when the series does not exist yet). */
async function counter(ctx: TestContext, name: string, labels: string): Promise<number> {
  const res = await ctx.call({ method: 'GET', url: '/metrics', headers: bearer(ctx.metricsToken) });
  const line = res.body.split('\n').find((l) => l.startsWith(`${name}{${labels}} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

/**
 * What the webhook tables hold and how the API shows it: a subscription as created (its stored row, its creator,
 * the sealed secret), a delivery queued and not yet attempted (every column as its field), and a test delivery (its
 * payload, its audit entry, and a failed one stored as failed with no retry). The real app, its job runner off (a
 * queued delivery stays queued), a receiver on 127.0.0.1 (the tests-only loopback allowance).
 */
describeDialects('webhook rows and their API shapes (%s)', (dialect) => {
  const ctx = useTestApp(dialect, { WEBHOOK_ALLOW_LOOPBACK: 'true' });
  let receiver: Receiver;
  const hits: Hit[] = [];
  beforeAll(async () => {
    receiver = await startReceiver((req, body, res) => {
      hits.push({ path: req.url ?? '', headers: req.headers, body });
      res.writeHead(req.url === '/down' ? 500 : 204).end();
    });
  });
  afterAll(() => receiver?.close());
  const at = (path: string) => hits.filter((h) => h.path === path);

  async function subscribe(
    path: string,
    events: string[],
    extra: Record<string, unknown> = {},
    token = ctx.apiKey,
  ) {
    const res = await ctx.call({
      method: 'POST',
      url: '/api/v1/webhooks',
      headers: bearer(token),
      payload: { url: `${receiver.base}${path}`, events, ...extra },
    });
    expect(res.statusCode).toBe(201);
    return CreateWebhookResponseSchema.parse(res.json());
  }
  const subscriptionRow = (id: string) =>
    ctx.app.store.db
      .selectFrom('webhook_subscriptions')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
  const deliveryRow = (id: string) =>
    ctx.app.store.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
  async function listed(subscriptionId: string) {
    const res = await ctx.call({
      method: 'GET',
      url: `/api/v1/webhooks/${subscriptionId}/deliveries`,
      headers: bearer(ctx.apiKey),
    });
    expect(res.statusCode).toBe(200);
    return res.json<{ items: unknown[] }>().items.map((d) => WebhookDeliverySchema.parse(d));
  }

  it('POST /api/v1/webhooks › stores the subscription with its creator and a sealed secret; the seal is counted', async () => {
    const sealed = () =>
      counter(ctx, 'kantiv_vault_operations_total', 'operation="seal",subject="webhook_secret",outcome="ok"');
    const before = await sealed();
    const { subscription, signingSecret } = await subscribe('/stored', ['setup.failed', 'setup.verified'], {
      description: 'Billing',
    });
    expect((await sealed()) - before).toBe(1);
    const row = await subscriptionRow(subscription.id);
    const [created] = (await ctx.app.audit.list({ action: 'webhook.created', limit: 1 })).items;
    expect(created?.target).toBe(subscription.id);
    expect(row).toMatchObject({
      url: `${receiver.base}/stored`,
      events: JSON.stringify(['setup.failed', 'setup.verified']),
      description: 'Billing',
      owner_api_key_id: subscription.ownerApiKeyId,
      kid: 'test1',
      // Who made it, as every table records its creator: `<actor kind>:<actor id>`, the audit entry's actor.
      created_by: `${created!.actor.kind}:${created!.actor.id}`,
      created_at: subscription.createdAt,
      disabled_at: null,
      paused_at: null,
      previous_kid: null,
      previous_until: null,
    });
    expect(created!.actor.kind).toBe('api_key');
    expect(JSON.stringify(row)).not.toContain(signingSecret.slice('whsec_'.length));
  });

  it('a queued delivery is listed with every column as its field: pending, no attempt yet, due at once', async () => {
    const { subscription } = await subscribe('/queued', ['setup.blocked']);
    const setup = await createSetup(ctx);
    const before = new Date().toISOString();
    await ctx.app.webhooks.emit('setup.blocked', setup.id);
    const after = new Date().toISOString();
    const [delivery, ...others] = await listed(subscription.id);
    expect(others).toEqual([]);
    const row = await deliveryRow(delivery!.id);
    expect(delivery).toEqual({
      id: row.id,
      subscriptionId: subscription.id,
      eventType: 'setup.blocked',
      status: 'pending',
      attempts: 0,
      createdAt: row.created_at,
      updatedAt: row.created_at,
      setupId: setup.id,
      nextAttemptAt: row.next_attempt_at,
    });
    expect(row.next_attempt_at! >= before && row.next_attempt_at! <= after).toBe(true);
    expect(row.created_at >= before && row.created_at <= after).toBe(true);
    expect(row).toMatchObject({ last_status_code: null, last_response: null, last_error: null });
    // The stored payload is what will be sent: the delivery's id is the payload's (and the `webhook-id`).
    const payload = WebhookPayloadSchema.parse(JSON.parse(row.payload));
    expect(payload).toMatchObject({ id: row.id, type: 'setup.blocked', data: { setupId: setup.id } });
    // Its job: one webhook job for this setup, pointing at the delivery.
    const jobs = await ctx.app.store.db
      .selectFrom('jobs')
      .select(['kind', 'setup_id', 'status'])
      .where('ref_id', '=', row.id)
      .execute();
    expect(jobs).toEqual([{ kind: 'webhook', setup_id: setup.id, status: 'queued' }]);
    expect(at('/queued')).toHaveLength(0);
  });

  it('an event is queued only for subscriptions that want it and whose key may read setups', async () => {
    const wants = await subscribe('/wants', ['setup.stalled']);
    await subscribe('/other-event', ['setup.verified']);
    const key = await ctx.call({
      method: 'POST',
      url: '/api/v1/api-keys',
      headers: bearer(ctx.staffManage),
      payload: { name: 'no setups', scopes: ['webhooks:manage'] },
    });
    await subscribe('/no-read', ['setup.stalled'], {}, CreateApiKeyResponseSchema.parse(key.json()).key);
    const setup = await createSetup(ctx);
    await ctx.app.webhooks.emit('setup.stalled', setup.id);
    // Not even queued (no row, no job), rather than queued and refused at delivery.
    const queued = await ctx.app.store.db
      .selectFrom('webhook_deliveries')
      .select('subscription_id')
      .where('setup_id', '=', setup.id)
      .execute();
    expect(queued).toEqual([{ subscription_id: wants.subscription.id }]);
    const jobs = await ctx.app.store.db
      .selectFrom('jobs')
      .select('kind')
      .where('setup_id', '=', setup.id)
      .where('kind', '=', 'webhook')
      .execute();
    expect(jobs).toHaveLength(1);
  });

  it('POST /api/v1/webhooks/:id/test › the payload carries the fixed message only; the test is audited', async () => {
    const { subscription, signingSecret } = await subscribe('/test-payload', ['setup.verified']);
    const res = await ctx.call({
      method: 'POST',
      url: `/api/v1/webhooks/${subscription.id}/test`,
      headers: bearer(ctx.apiKey),
    });
    expect(res.statusCode).toBe(200);
    const delivery = WebhookDeliverySchema.parse(res.json());
    const [hit, ...more] = at('/test-payload');
    expect(more).toEqual([]);
    const payload = WebhookPayloadSchema.parse(
      new Webhook(signingSecret).verify(hit!.body, standardHeaders(hit!.headers)),
    );
    expect(payload).toEqual({
      id: delivery.id,
      type: 'webhook.test',
      createdAt: expect.any(String) as string,
      data: { message: 'A test delivery from Kantiv Connect' },
    });
    expect(delivery).toMatchObject({ status: 'succeeded', attempts: 1, lastStatusCode: 204 });
    expect(delivery).not.toHaveProperty('setupId');
    const [tested] = (await ctx.app.audit.list({ action: 'webhook.tested', limit: 1 })).items;
    expect(tested).toMatchObject({ action: 'webhook.tested', target: subscription.id });
  });

  it('POST /api/v1/webhooks/:id/test › a failed test is stored failed, with no next attempt: it is not retried', async () => {
    const { subscription } = await subscribe('/down', ['setup.verified']);
    const res = await ctx.call({
      method: 'POST',
      url: `/api/v1/webhooks/${subscription.id}/test`,
      headers: bearer(ctx.apiKey),
    });
    const answered = WebhookDeliverySchema.parse(res.json());
    expect(answered).toMatchObject({
      status: 'failed',
      attempts: 1,
      lastStatusCode: 500,
      lastError: 'receiver answered 500',
    });
    expect(answered).not.toHaveProperty('nextAttemptAt');
    const [stored] = await listed(subscription.id);
    expect(stored).toMatchObject({ id: answered.id, status: 'failed', attempts: 1, lastStatusCode: 500 });
    expect(stored).not.toHaveProperty('nextAttemptAt');
    expect(await deliveryRow(answered.id)).toMatchObject({ status: 'failed', next_attempt_at: null });
    expect(at('/down')).toHaveLength(1);
  });

  it('POST /api/v1/webhooks/:id/test › a deleted subscription answers 404 in the shared shape; nothing is sent', async () => {
    const { subscription } = await subscribe('/gone', ['setup.verified']);
    const del = await ctx.call({
      method: 'DELETE',
      url: `/api/v1/webhooks/${subscription.id}`,
      headers: bearer(ctx.apiKey),
    });
    expect(del.statusCode).toBe(204);
    const res = await ctx.call({
      method: 'POST',
      url: `/api/v1/webhooks/${subscription.id}/test`,
      headers: bearer(ctx.apiKey),
    });
    expect([res.statusCode, res.json()]).toEqual([
      404,
      { error: { code: 'not_found', message: 'No webhook subscription with this id.' } },
    ]);
    expect(at('/gone')).toHaveLength(0);
    const stored = await ctx.app.store.db
      .selectFrom('webhook_deliveries')
      .select('id')
      .where('subscription_id', '=', subscription.id)
      .execute();
    expect(stored).toEqual([]);
  });

  it('a Standard Webhooks secret whose base64 has no + or / is not taken for a legacy one: no Kantiv-Signature', async () => {
    const { subscription } = await subscribe('/plain-alphabet', ['setup.verified']);
    // Standard base64 of these 32 bytes uses letters and digits only, like a legacy secret's first 43 characters;
    // only the padding `=` at the end tells it apart.
    const secret = `whsec_${Buffer.alloc(32, 'k').toString('base64')}`;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9]{43}=$/);
    await ctx.app.store.db
      .updateTable('webhook_subscriptions')
      .set(sealedColumns(seal(ctx.config.keyring, secret, webhookSecretAad(subscription.id))))
      .where('id', '=', subscription.id)
      .execute();
    const res = await ctx.call({
      method: 'POST',
      url: `/api/v1/webhooks/${subscription.id}/test`,
      headers: bearer(ctx.apiKey),
    });
    expect(WebhookDeliverySchema.parse(res.json()).status).toBe('succeeded');
    const [hit] = at('/plain-alphabet');
    expect(hit!.headers['kantiv-signature']).toBeUndefined();
    expect(() => new Webhook(secret).verify(hit!.body, standardHeaders(hit!.headers))).not.toThrow();
  });
});
