import type http from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CreateApiKeyResponseSchema } from '@kantiv/shared/auth';
import {
  CreateWebhookResponseSchema,
  WebhookDeliverySchema,
  WebhookPayloadSchema,
} from '@kantiv/shared/webhooks';
import { generateKeySpec, parseKeyring, type Keyring } from '../src/config.ts';
import { seal, webhookSecretAad } from '../src/vault/vault.ts';
import { sealedColumns } from '../src/services/sealed-columns.ts';
import { describeDialects } from './helpers/databases.ts';
import { bearer, createSetup, handedOffSetup, type TestContext, useTestApp } from './helpers/app.ts';
import { startReceiver, type Receiver } from './helpers/receiver.ts';

const MAX_ATTEMPTS = 3;
const RETRY_BASE_MS = 60_000;

type Hit = { method: string; path: string; headers: http.IncomingHttpHeaders; body: string };

/** One counter's value from `GET /metrics` (0 when the series does not exist yet). */
async function counter(ctx: TestContext, name: string, labels: string): Promise<number> {
  const res = await ctx.call({ method: 'GET', url: '/metrics', headers: bearer(ctx.metricsToken) });
  const line = res.body.split('\n').find((l) => l.startsWith(`${name}{${labels}} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

/**
 * One delivery attempt at a time, through the real app (its job runner off: each `runJob` is one attempt, as the
 * runner would make it), to a receiver on 127.0.0.1 this file starts (the tests-only loopback allowance). What an
 * attempt leaves behind is read where a client reads it: the delivery as the API lists it, the payload and headers
 * the receiver got, and `/metrics`.
 */
describeDialects('webhook delivery attempts (%s)', (dialect) => {
  const ctx = useTestApp(dialect, {
    WEBHOOK_ALLOW_LOOPBACK: 'true',
    WEBHOOK_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
    WEBHOOK_RETRY_BASE_MS: String(RETRY_BASE_MS),
  });
  let receiver: Receiver;
  let status = 200;
  const hits: Hit[] = [];
  beforeAll(async () => {
    receiver = await startReceiver((req, body, res) => {
      hits.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
      res.writeHead(status).end();
    });
  });
  afterAll(() => receiver?.close());

  async function subscribe(path: string, events: string[], token = ctx.apiKey) {
    const res = await ctx.call({
      method: 'POST',
      url: '/api/v1/webhooks',
      headers: bearer(token),
      payload: { url: `${receiver.base}${path}`, events },
    });
    expect(res.statusCode).toBe(201);
    return CreateWebhookResponseSchema.parse(res.json()).subscription;
  }
  /** The queued job of this subscription's one delivery. */
  async function queuedJob(subscriptionId: string) {
    const d = await ctx.app.store.db
      .selectFrom('webhook_deliveries')
      .select('id')
      .where('subscription_id', '=', subscriptionId)
      .executeTakeFirstOrThrow();
    return ctx.app.store.db
      .selectFrom('jobs')
      .selectAll()
      .where('ref_id', '=', d.id)
      .executeTakeFirstOrThrow();
  }
  async function deliveryOf(subscriptionId: string, token = ctx.apiKey) {
    const res = await ctx.call({
      method: 'GET',
      url: `/api/v1/webhooks/${subscriptionId}/deliveries`,
      headers: bearer(token),
    });
    expect(res.statusCode).toBe(200);
    return WebhookDeliverySchema.parse(res.json<{ items: unknown[] }>().items[0]);
  }
  async function newKey(scopes: string[]) {
    const res = await ctx.call({
      method: 'POST',
      url: '/api/v1/api-keys',
      headers: bearer(ctx.staffManage),
      payload: { name: scopes.join('+'), scopes },
    });
    return CreateApiKeyResponseSchema.parse(res.json());
  }
  const at = (path: string) => hits.filter((h) => h.path === path);

  it("the payload carries the setup's identifiers and states, the message and the extra data; the headers name the event and the delivery", async () => {
    const setup = await handedOffSetup(ctx);
    const sub = await subscribe('/payload', ['setup.degraded']);
    const succeeded = () =>
      counter(ctx, 'kantiv_webhook_deliveries_total', 'event="setup.degraded",outcome="succeeded"');
    const succeededBefore = await succeeded();
    await ctx.app.webhooks.emit('setup.degraded', setup.id, 'Token requests fail', { health: 'broken' });
    const job = await queuedJob(sub.id);
    expect(await ctx.app.webhooks.runJob(job)).toEqual({ outcome: 'done' });
    const [hit] = at('/payload');
    expect(hit!.method).toBe('POST');
    expect((await succeeded()) - succeededBefore).toBe(1);
    const row = await ctx.app.store.db
      .selectFrom('setups')
      .selectAll()
      .where('id', '=', setup.id)
      .executeTakeFirstOrThrow();
    const payload = WebhookPayloadSchema.parse(JSON.parse(hit!.body));
    expect(payload).toEqual({
      id: job.ref_id,
      type: 'setup.degraded',
      createdAt: expect.any(String) as string,
      data: {
        setupId: setup.id,
        customerName: row.customer_name,
        state: row.state,
        tenantId: setup.tenantId,
        clientId: row.client_id,
        environmentUrl: 'https://contoso.crm.dynamics.com',
        secretExpiresAt: row.secret_expires_at,
        credentialKind: row.credential_kind,
        credentialExpiresAt: row.secret_expires_at,
        message: 'Token requests fail',
        health: 'broken',
      },
    });
    expect([row.client_id, row.secret_expires_at, row.credential_kind]).not.toContain(null);
    expect(hit!.headers).toMatchObject({
      'content-type': 'application/json',
      'user-agent': 'KantivConnect-Webhooks/1',
      'kantiv-event': 'setup.degraded',
      'kantiv-delivery': job.ref_id,
      'webhook-id': job.ref_id,
    });
    const delivery = await deliveryOf(sub.id);
    expect(delivery).toMatchObject({ status: 'succeeded', attempts: 1, lastStatusCode: 200 });
    expect(delivery).not.toHaveProperty('lastError');
    expect(delivery).not.toHaveProperty('nextAttemptAt');
  });

  it('a setup not yet handed off: only its id, customer and state; credential.expiring adds the days left', async () => {
    const setup = await createSetup(ctx);
    await subscribe('/bare', ['setup.failed', 'credential.expiring']);
    await ctx.app.store.db
      .updateTable('setups')
      .set({ expiry_notice_days: 7 })
      .where('id', '=', setup.id)
      .execute();
    await ctx.app.webhooks.emit('setup.failed', setup.id);
    await ctx.app.webhooks.emit('credential.expiring', setup.id);
    const jobs = await ctx.app.store.db
      .selectFrom('jobs')
      .selectAll()
      .where('kind', '=', 'webhook')
      .where('setup_id', '=', setup.id)
      .execute();
    for (const job of jobs) await ctx.app.webhooks.runJob(job);
    const data = Object.fromEntries(
      at('/bare').map((h) => {
        const p = WebhookPayloadSchema.parse(JSON.parse(h.body));
        return [p.type, p.data];
      }),
    );
    const row = await ctx.app.store.db
      .selectFrom('setups')
      .selectAll()
      .where('id', '=', setup.id)
      .executeTakeFirstOrThrow();
    const base = { setupId: setup.id, customerName: row.customer_name, state: row.state };
    // The notice's days go with credential.expiring only.
    expect(data).toEqual({
      'setup.failed': base,
      'credential.expiring': { ...base, expiringInDays: 7 },
    });
  });

  it('a failing receiver: retried with exponential backoff from WEBHOOK_RETRY_BASE_MS, then given up; each outcome counted', async () => {
    const sub = await subscribe('/failing', ['setup.blocked']);
    await ctx.app.webhooks.emit('setup.blocked', (await createSetup(ctx)).id);
    const job = await queuedJob(sub.id);
    const count = (outcome: string) =>
      counter(ctx, 'kantiv_webhook_deliveries_total', `event="setup.blocked",outcome="${outcome}"`);
    const opened = () =>
      counter(ctx, 'kantiv_vault_operations_total', 'operation="open",subject="webhook_secret",outcome="ok"');
    const openedBefore = await opened();
    // 300 is no success either: only 2xx is.
    for (const [n, answer] of [
      [1, 300],
      [2, 503],
    ] as const) {
      status = answer;
      const before = Date.now();
      const outcome = await ctx.app.webhooks.runJob(job);
      const after = Date.now();
      const delivery = await deliveryOf(sub.id);
      expect(delivery).toMatchObject({
        status: 'pending',
        attempts: n,
        lastStatusCode: answer,
        lastError: `receiver answered ${answer}`,
      });
      const next = Date.parse(delivery.nextAttemptAt!);
      const wait = RETRY_BASE_MS * 2 ** (n - 1);
      expect(next).toBeGreaterThanOrEqual(before + wait);
      expect(next).toBeLessThanOrEqual(after + wait);
      expect(outcome).toEqual({ outcome: 'retry', at: new Date(next), error: `receiver answered ${answer}` });
    }
    expect(await ctx.app.webhooks.runJob(job)).toEqual({ outcome: 'failed', error: 'receiver answered 503' });
    status = 200;
    const delivery = await deliveryOf(sub.id);
    expect(delivery).toMatchObject({ status: 'failed', attempts: MAX_ATTEMPTS, lastStatusCode: 503 });
    expect(delivery).not.toHaveProperty('nextAttemptAt');
    expect(at('/failing')).toHaveLength(MAX_ATTEMPTS);
    expect([await count('retry'), await count('failed'), await count('succeeded')]).toEqual([2, 1, 0]);
    expect((await opened()) - openedBefore).toBe(MAX_ATTEMPTS);
  });

  it('a secret no key opens: the attempt fails with a fixed text, counted as a failed open; nothing is sent', async () => {
    const sub = await subscribe('/sealed-elsewhere', ['setup.verified']);
    const other = parseKeyring(generateKeySpec('elsewhere'), undefined) as Keyring;
    await ctx.app.store.db
      .updateTable('webhook_subscriptions')
      .set(sealedColumns(seal(other, 'whsec_x', webhookSecretAad(sub.id))))
      .where('id', '=', sub.id)
      .execute();
    const failedOpens = () =>
      counter(
        ctx,
        'kantiv_vault_operations_total',
        'operation="open",subject="webhook_secret",outcome="error"',
      );
    const before = await failedOpens();
    const res = await ctx.call({
      method: 'POST',
      url: `/api/v1/webhooks/${sub.id}/test`,
      headers: bearer(ctx.apiKey),
    });
    expect(WebhookDeliverySchema.parse(res.json())).toMatchObject({
      status: 'failed',
      attempts: 1,
      lastError: 'the signing secret could not be opened with any key',
    });
    expect((await failedOpens()) - before).toBe(1);
    expect(at('/sealed-elsewhere')).toHaveLength(0);
  });

  it('a delivery queued before its subscription was paused is not sent: failed at once, not retried', async () => {
    const sub = await subscribe('/paused', ['setup.failed']);
    await ctx.app.webhooks.emit('setup.failed', (await createSetup(ctx)).id);
    const paused = await ctx.call({
      method: 'PATCH',
      url: `/api/v1/webhooks/${sub.id}`,
      headers: bearer(ctx.apiKey),
      payload: { paused: true },
    });
    expect(paused.statusCode).toBe(200);
    const job = await queuedJob(sub.id);
    expect(await ctx.app.webhooks.runJob(job)).toEqual({ outcome: 'failed', error: 'subscription paused' });
    expect(await deliveryOf(sub.id)).toMatchObject({ status: 'failed', attempts: 1 });
    expect(at('/paused')).toHaveLength(0);
  });

  it('a key narrowed after its event was queued gets no setup data: failed at once; its test deliveries (no setup data) still go out', async () => {
    const { apiKey, key } = await newKey(['webhooks:manage', 'setups:read']);
    const sub = await subscribe('/narrowed', ['setup.failed'], key);
    await ctx.app.webhooks.emit('setup.failed', (await createSetup(ctx)).id);
    await ctx.app.store.db
      .updateTable('api_keys')
      .set({ scopes: JSON.stringify(['webhooks:manage']) })
      .where('id', '=', apiKey.id)
      .execute();
    const job = await queuedJob(sub.id);
    expect(await ctx.app.webhooks.runJob(job)).toEqual({
      outcome: 'failed',
      error: 'the subscription owner may no longer read setups',
    });
    expect(await deliveryOf(sub.id, key)).toMatchObject({ status: 'failed', attempts: 1 });
    expect(at('/narrowed')).toHaveLength(0);
    const started = Date.now();
    const res = await ctx.call({
      method: 'POST',
      url: `/api/v1/webhooks/${sub.id}/test`,
      headers: bearer(key),
    });
    const took = Date.now() - started;
    const test = WebhookDeliverySchema.parse(res.json());
    expect(test).toMatchObject({ status: 'succeeded', lastStatusCode: 200 });
    // The attempt's own time, inside the request's.
    expect(test.durationMs).toBeGreaterThanOrEqual(0);
    expect(test.durationMs).toBeLessThanOrEqual(took);
    expect(at('/narrowed')).toHaveLength(1);
  });

  it("another API key's subscription is not found: its deliveries, its test and its removal answer 404", async () => {
    const theirs = await subscribe('/theirs', ['setup.failed']);
    const { key } = await newKey(['webhooks:manage', 'setups:read']);
    const notFound = { error: { code: 'not_found', message: 'No webhook subscription with this id.' } };
    for (const [method, url] of [
      ['GET', `/api/v1/webhooks/${theirs.id}/deliveries`],
      ['POST', `/api/v1/webhooks/${theirs.id}/test`],
      ['DELETE', `/api/v1/webhooks/${theirs.id}`],
    ] as const) {
      const res = await ctx.call({ method, url, headers: bearer(key) });
      expect([method, res.statusCode, res.json()]).toEqual([method, 404, notFound]);
    }
    expect(at('/theirs')).toHaveLength(0);
    // The key that made it still reaches it.
    expect(
      (
        await ctx.call({
          method: 'GET',
          url: `/api/v1/webhooks/${theirs.id}/deliveries`,
          headers: bearer(ctx.apiKey),
        })
      ).statusCode,
    ).toBe(200);
  });

  it('POST /api/v1/webhooks › keeps the description and each event once; creation and deletion are audited once', async () => {
    const url = `${receiver.base}/created`;
    const res = await ctx.call({
      method: 'POST',
      url: '/api/v1/webhooks',
      headers: bearer(ctx.apiKey),
      payload: { url, events: ['setup.failed', 'setup.failed', 'setup.verified'], description: 'Ops' },
    });
    const { subscription } = CreateWebhookResponseSchema.parse(res.json());
    expect(subscription).toMatchObject({
      url,
      events: ['setup.failed', 'setup.verified'],
      description: 'Ops',
    });
    const created = await ctx.app.audit.list({ action: 'webhook.created', limit: 1 });
    expect(created.items[0]).toMatchObject({
      target: subscription.id,
      details: { url, events: ['setup.failed', 'setup.failed', 'setup.verified'] },
    });
    for (let i = 0; i < 2; i += 1) {
      const del = await ctx.call({
        method: 'DELETE',
        url: `/api/v1/webhooks/${subscription.id}`,
        headers: bearer(ctx.apiKey),
      });
      expect(del.statusCode).toBe(204);
    }
    const deleted = await ctx.app.audit.list({ action: 'webhook.deleted', limit: 10 });
    expect(deleted.items.filter((e) => e.target === subscription.id)).toHaveLength(1);
  });

  it('a job without a delivery id fails with a fixed text', async () => {
    const sub = await subscribe('/no-ref', ['setup.failed']);
    await ctx.app.webhooks.emit('setup.failed', (await createSetup(ctx)).id);
    const job = await queuedJob(sub.id);
    expect(await ctx.app.webhooks.runJob({ ...job, ref_id: null })).toEqual({
      outcome: 'failed',
      error: 'job without delivery',
    });
    expect(at('/no-ref')).toHaveLength(0);
  });
});

describeDialects('a webhook receiver that does not answer (%s)', (dialect) => {
  const ctx = useTestApp(dialect, { WEBHOOK_ALLOW_LOOPBACK: 'true', WEBHOOK_TIMEOUT_MS: '500' });
  let receiver: Receiver;
  const held: http.ServerResponse[] = [];
  beforeAll(async () => {
    receiver = await startReceiver((_req, _body, res) => {
      held.push(res);
    });
  });
  afterAll(async () => {
    for (const res of held) res.destroy();
    await receiver?.close();
  });

  it('the attempt ends at WEBHOOK_TIMEOUT_MS with a fixed text', async () => {
    const created = await ctx.call({
      method: 'POST',
      url: '/api/v1/webhooks',
      headers: bearer(ctx.apiKey),
      payload: { url: `${receiver.base}/silent`, events: ['setup.verified'] },
    });
    const { subscription } = CreateWebhookResponseSchema.parse(created.json());
    const res = await ctx.call({
      method: 'POST',
      url: `/api/v1/webhooks/${subscription.id}/test`,
      headers: bearer(ctx.apiKey),
    });
    expect(WebhookDeliverySchema.parse(res.json())).toMatchObject({
      status: 'failed',
      lastError: 'the receiver did not answer in time',
    });
    expect(held).toHaveLength(1);
  });
});
