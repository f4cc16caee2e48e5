import type http from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { ApiKeyListSchema, CreateApiKeyResponseSchema } from '@kantiv/shared/auth';
import {
  CreateWebhookResponseSchema,
  WebhookDeliveryListSchema,
  WebhookDeliverySchema,
  WebhookPayloadSchema,
} from '@kantiv/shared/webhooks';
import { describeDialects } from './helpers/databases.ts';
import { bearer, createSetup, startTestApp, type TestContext } from './helpers/app.ts';
import { startReceiver, type Receiver } from './helpers/receiver.ts';

type Received = { headers: http.IncomingHttpHeaders; body: string };

describeDialects('webhooks and API keys (%s)', (dialect) => {
  let ctx: TestContext;
  let receiver: Receiver;
  let url: string;
  const received: Received[] = [];
  let failNext = 0;

  beforeAll(async () => {
    // The receiver is this file's own, on 127.0.0.1: the tests-only loopback allowance, explicitly.
    ctx = await startTestApp(dialect, {
      JOBS_ENABLED: 'true',
      WEBHOOK_RETRY_BASE_MS: '50',
      WEBHOOK_ALLOW_LOOPBACK: 'true',
    });
    receiver = await startReceiver((req, body, res) => {
      received.push({ headers: req.headers, body });
      if (req.url === '/flaky' && failNext > 0) {
        failNext -= 1;
        res.writeHead(500).end('try again');
      } else res.writeHead(200).end('thanks');
    });
    url = `${receiver.base}/hook`;
  });
  afterAll(async () => {
    await receiver.close();
    await ctx.close();
  });

  it('POST /api/v1/api-keys › shows the key once; it works with its scopes until revoked', async () => {
    const res = await ctx.call({
      method: 'POST',
      url: '/api/v1/api-keys',
      headers: bearer(ctx.staffManage),
      payload: { name: 'billing', scopes: ['setups:read'] },
    });
    expect(res.statusCode).toBe(201);
    const { apiKey, key } = CreateApiKeyResponseSchema.parse(res.json());
    expect(key).toMatch(/^kc_/);
    expect(apiKey.prefix).toBe(key.slice(0, 10));
    const list = ApiKeyListSchema.parse(
      (await ctx.call({ method: 'GET', url: '/api/v1/api-keys', headers: bearer(ctx.staffRead) })).json(),
    );
    expect(JSON.stringify(list)).not.toContain(key);
    expect(list.items.find((k) => k.id === apiKey.id)?.scopes).toEqual(['setups:read']);
    expect((await ctx.call({ method: 'GET', url: '/api/v1/setups', headers: bearer(key) })).statusCode).toBe(
      200,
    );
    expect(
      (
        await ctx.call({
          method: 'POST',
          url: '/api/v1/setups',
          headers: bearer(key),
          payload: { customerName: 'x' },
        })
      ).statusCode,
    ).toBe(403);
    const revoked = await ctx.call({
      method: 'POST',
      url: `/api/v1/api-keys/${apiKey.id}/revoke`,
      headers: bearer(ctx.staffManage),
    });
    expect(revoked.json<{ revokedAt?: string }>().revokedAt).toBeDefined();
    expect((await ctx.call({ method: 'GET', url: '/api/v1/setups', headers: bearer(key) })).statusCode).toBe(
      401,
    );
  });

  it('POST /api/v1/webhooks/:id/test › delivers a signed payload the receiver can verify', async () => {
    const res = await ctx.call({
      method: 'POST',
      url: '/api/v1/webhooks',
      headers: bearer(ctx.staffManage),
      payload: { url, events: ['setup.verified', 'setup.failed'] },
    });
    expect(res.statusCode).toBe(201);
    const { subscription, signingSecret } = CreateWebhookResponseSchema.parse(res.json());
    const test = await ctx.call({
      method: 'POST',
      url: `/api/v1/webhooks/${subscription.id}/test`,
      headers: bearer(ctx.staffManage),
    });
    expect(test.statusCode).toBe(200);
    const delivery = WebhookDeliverySchema.parse(test.json());
    expect(delivery).toMatchObject({ status: 'succeeded', lastStatusCode: 200, attempts: 1 });
    // The status and the timing only: the receiver's answer is never echoed (it could be an internal page).
    expect(delivery.lastResponse).toBeUndefined();
    expect(test.body).not.toContain('thanks');
    const hit = received.at(-1)!;
    const t = String(hit.headers['webhook-timestamp']);
    const verified = new Webhook(signingSecret).verify(hit.body, {
      'webhook-id': String(hit.headers['webhook-id']),
      'webhook-timestamp': t,
      'webhook-signature': String(hit.headers['webhook-signature']),
    });
    expect(Math.abs(Number(t) - Date.now() / 1000)).toBeLessThan(300);
    expect(WebhookPayloadSchema.parse(verified).type).toBe('webhook.test');
    expect(hit.body).not.toContain(signingSecret);
    const list = WebhookDeliveryListSchema.parse(
      (
        await ctx.call({
          method: 'GET',
          url: `/api/v1/webhooks/${subscription.id}/deliveries`,
          headers: bearer(ctx.staffRead),
        })
      ).json(),
    );
    expect(list.items).toHaveLength(1);
    const subs = await ctx.call({ method: 'GET', url: '/api/v1/webhooks', headers: bearer(ctx.staffRead) });
    expect(subs.body).not.toContain(signingSecret);
  });

  it('setup.failed is delivered by the job runner and retried with backoff after a receiver error', async () => {
    const flaky = url.replace('/hook', '/flaky');
    const created = await ctx.call({
      method: 'POST',
      url: '/api/v1/webhooks',
      headers: bearer(ctx.apiKey),
      payload: { url: flaky, events: ['setup.failed'] },
    });
    const { subscription } = CreateWebhookResponseSchema.parse(created.json());
    const { id } = await createSetup(ctx);
    failNext = 1;
    await ctx.app.webhooks.emit('setup.failed', id);
    let deliveries = WebhookDeliveryListSchema.parse(
      (
        await ctx.call({
          method: 'GET',
          url: `/api/v1/webhooks/${subscription.id}/deliveries`,
          headers: bearer(ctx.apiKey),
        })
      ).json(),
    );
    for (let i = 0; i < 200 && deliveries.items[0]?.status !== 'succeeded'; i += 1) {
      await new Promise((r) => setTimeout(r, 50));
      deliveries = WebhookDeliveryListSchema.parse(
        (
          await ctx.call({
            method: 'GET',
            url: `/api/v1/webhooks/${subscription.id}/deliveries`,
            headers: bearer(ctx.apiKey),
          })
        ).json(),
      );
    }
    expect(deliveries.items[0]).toMatchObject({
      status: 'succeeded',
      attempts: 2,
      eventType: 'setup.failed',
      setupId: id,
    });
    // An API client sees only its own subscriptions; staff see all.
    const own = await ctx.call({ method: 'GET', url: '/api/v1/webhooks', headers: bearer(ctx.apiKey) });
    expect(own.json<{ items: { id: string }[] }>().items.map((s) => s.id)).toEqual([subscription.id]);
    const del = await ctx.call({
      method: 'DELETE',
      url: `/api/v1/webhooks/${subscription.id}`,
      headers: bearer(ctx.apiKey),
    });
    expect(del.statusCode).toBe(204);
  });

  it('POST /api/v1/webhooks › refuses non-http URLs and unknown events', async () => {
    for (const payload of [
      { url: 'file:///etc/passwd', events: ['setup.verified'] },
      { url, events: ['setup.exploded'] },
      { url, events: [] },
    ]) {
      expect(
        (
          await ctx.call({
            method: 'POST',
            url: '/api/v1/webhooks',
            headers: bearer(ctx.staffManage),
            payload,
          })
        ).statusCode,
      ).toBe(400);
    }
  });
});

describeDialects('rate limits (%s)', (dialect) => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await startTestApp(dialect, { RATE_LIMIT_MAX: '5', RATE_LIMIT_WINDOW_MS: '60000' });
  });
  afterAll(async () => {
    await ctx.close();
  });

  it('limits unauthenticated and token-bearing routes per caller, in the shared error shape', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 7; i += 1)
      statuses.push((await ctx.call({ method: 'GET', url: '/api/v1/client-config' })).statusCode);
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(statuses.slice(5)).toEqual([429, 429]);
    const { token } = await createSetup(ctx);
    const wizard: number[] = [];
    for (let i = 0; i < 7; i += 1)
      wizard.push(
        (await ctx.call({ method: 'GET', url: '/api/v1/wizard/setup', headers: bearer(token) })).statusCode,
      );
    expect(wizard.filter((s) => s === 429)).toHaveLength(2);
    const limited = await ctx.call({ method: 'GET', url: '/api/v1/wizard/setup', headers: bearer(token) });
    expect(limited.json<{ error: { code: string } }>().error.code).toBe('rate_limited');
    // Another setup's token has its own budget.
    const other = await createSetup(ctx);
    expect(
      (await ctx.call({ method: 'GET', url: '/api/v1/wizard/setup', headers: bearer(other.token) }))
        .statusCode,
    ).toBe(200);
  });

  it('after max failed sign-ins from one address, its wrong credentials answer 429; valid ones and others pass', async () => {
    const from = (remoteAddress: string, token?: string) =>
      ctx.call({
        method: 'GET',
        url: '/api/v1/setups',
        remoteAddress,
        ...(token ? { headers: bearer(token) } : {}),
      });
    // Each guess is a new token, so the per-token budgets never see a repeat: only the failure count stops it.
    for (let i = 0; i < 5; i += 1) expect((await from('203.0.113.7', `kc_guess${i}`)).statusCode).toBe(401);
    // A valid credential is never refused because of failures at its address (issue 14, item 5).
    expect((await from('203.0.113.7', ctx.apiKey)).statusCode).toBe(200);
    const blocked = await from('203.0.113.7', 'kc_guess5');
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json<{ error: { code: string } }>().error.code).toBe('rate_limited');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(blocked.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(blocked.headers['x-content-type-options']).toBe('nosniff');
    // The address still reaches routes without credentials (and learns it must sign in), …
    expect((await from('203.0.113.7')).statusCode).toBe(401);
    expect(
      (await ctx.call({ method: 'GET', url: '/healthz', remoteAddress: '203.0.113.7' })).statusCode,
    ).toBe(200);
    // … and another address is not affected.
    expect((await from('203.0.113.8', ctx.apiKey)).statusCode).toBe(200);
  });
});
