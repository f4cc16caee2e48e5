import { afterAll, beforeAll, expect, it } from 'vitest';
import { CreateApiKeyResponseSchema } from '@kantiv/shared/auth';
import { CreateWebhookResponseSchema, WebhookSubscriptionListSchema } from '@kantiv/shared/webhooks';
import { describeDialects } from './helpers/databases.ts';
import { bearer, createSetup, useTestApp } from './helpers/app.ts';
import { startReceiver, type Receiver } from './helpers/receiver.ts';

describeDialects('a webhook subscription belongs to its API key (%s)', (dialect) => {
  // Jobs are run by hand here so each delivery is seen; the receiver is this file's own on 127.0.0.1 (the
  // tests-only loopback allowance, explicitly).
  const ctx = useTestApp(dialect, { WEBHOOK_ALLOW_LOOPBACK: 'true' });
  let receiver: Receiver;
  let base = '';
  const received: string[] = [];
  beforeAll(async () => {
    receiver = await startReceiver((req, _body, res) => {
      received.push(req.url ?? '');
      res.writeHead(204).end();
    });
    base = receiver.base;
  });
  afterAll(() => receiver.close());

  async function newKey(scopes: string[]) {
    const res = await ctx.call({
      method: 'POST',
      url: '/api/v1/api-keys',
      headers: bearer(ctx.staffManage),
      payload: { name: scopes.join('+'), scopes },
    });
    return CreateApiKeyResponseSchema.parse(res.json());
  }
  async function subscribe(token: string, path: string) {
    const res = await ctx.call({
      method: 'POST',
      url: '/api/v1/webhooks',
      headers: bearer(token),
      payload: { url: `${base}${path}`, events: ['setup.failed'] },
    });
    expect(res.statusCode).toBe(201);
    return CreateWebhookResponseSchema.parse(res.json()).subscription;
  }
  /** Runs every queued webhook job now, as the job runner would. */
  async function deliverQueued() {
    const jobs = await ctx.app.store.db
      .selectFrom('jobs')
      .selectAll()
      .where('kind', '=', 'webhook')
      .where('status', '=', 'queued')
      .execute();
    for (const job of jobs) {
      await ctx.app.webhooks.runJob(job);
      await ctx.app.store.db.updateTable('jobs').set({ status: 'done' }).where('id', '=', job.id).execute();
    }
  }

  it("POST /api/v1/api-keys/:id/revoke › disables the key's subscriptions; staff's keep receiving", async () => {
    const { apiKey, key } = await newKey(['webhooks:manage', 'setups:read']);
    const own = await subscribe(key, '/key-owned');
    const staff = await subscribe(ctx.staffManage, '/staff-owned');
    expect(own.ownerApiKeyId).toBe(apiKey.id);
    expect(staff).not.toHaveProperty('ownerApiKeyId');
    const mine = WebhookSubscriptionListSchema.parse(
      (await ctx.call({ method: 'GET', url: '/api/v1/webhooks', headers: bearer(key) })).json(),
    );
    expect(mine.items).toEqual([own]);
    await ctx.call({
      method: 'POST',
      url: `/api/v1/api-keys/${apiKey.id}/revoke`,
      headers: bearer(ctx.staffManage),
    });
    const list = WebhookSubscriptionListSchema.parse(
      (await ctx.call({ method: 'GET', url: '/api/v1/webhooks', headers: bearer(ctx.staffRead) })).json(),
    );
    expect(list.items.map((s) => s.id)).toContain(staff.id);
    expect(list.items.map((s) => s.id)).not.toContain(own.id);
    received.length = 0;
    await ctx.app.webhooks.emit('setup.failed', (await createSetup(ctx)).id);
    await deliverQueued();
    expect(received).toContain('/staff-owned');
    expect(received).not.toContain('/key-owned');
  });

  it('a key that may not read setups receives no setup data', async () => {
    const { key } = await newKey(['webhooks:manage']);
    await subscribe(key, '/no-read');
    received.length = 0;
    await ctx.app.webhooks.emit('setup.failed', (await createSetup(ctx)).id);
    await deliverQueued();
    expect(received).not.toContain('/no-read');
  });

  it('delivery checks the owner is live: a key revoked with its subscription left active receives nothing', async () => {
    const { apiKey, key } = await newKey(['webhooks:manage', 'setups:read']);
    await subscribe(key, '/queued-then-revoked');
    await ctx.app.webhooks.emit('setup.failed', (await createSetup(ctx)).id);
    // As a key revoked before subscriptions followed their key (or by another instance mid-delivery).
    await ctx.app.store.db
      .updateTable('api_keys')
      .set({ revoked_at: new Date().toISOString() })
      .where('id', '=', apiKey.id)
      .execute();
    received.length = 0;
    await deliverQueued();
    expect(received).not.toContain('/queued-then-revoked');
  });
});
