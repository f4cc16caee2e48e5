import http from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CreateWebhookResponseSchema, WebhookDeliverySchema } from '@kantiv/shared/webhooks';
import { describeDialects } from './helpers/databases.ts';
import { bearer, useTestApp, type TestContext } from './helpers/app.ts';

/**
 * Server-side request forgery through webhooks. Names are answered by the app's test resolver (`ctx.hosts`), so no
 * query leaves the machine; private addresses are only ever refused, never connected to. Where a refusal must be
 * seen to come before any connection, the name points at a loopback receiver this file starts and the receiver
 * counts the connections it gets: it must get none.
 */
type Receiver = { port: number; connections: number; requests: string[]; close(): Promise<void> };

async function startReceiver(answer: (req: http.IncomingMessage, res: http.ServerResponse) => void) {
  const server = http.createServer((req, res) => {
    receiver.requests.push(req.url ?? '');
    answer(req, res);
  });
  const receiver: Receiver = {
    port: 0,
    connections: 0,
    requests: [],
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
  server.on('connection', () => (receiver.connections += 1));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  receiver.port = (server.address() as { port: number }).port;
  return receiver;
}

const PUBLIC = '93.184.216.34'; // never connected to: every test re-points the name or only creates
const PRIVATE = [
  '10.0.0.1',
  '172.16.5.4',
  '192.168.1.1',
  '169.254.169.254',
  '100.64.0.1',
  '0.0.0.0',
  '224.0.0.1',
  '127.0.0.1',
  '::1',
  'fc00::1',
  'fd00:ec2::254',
  'fe80::1',
  '::ffff:10.0.0.1',
  '::ffff:127.0.0.1',
  '::ffff:169.254.169.254',
];

async function create(ctx: TestContext, url: string) {
  return ctx.call({
    method: 'POST',
    url: '/api/v1/webhooks',
    headers: bearer(ctx.staffManage),
    payload: { url, events: ['setup.verified'] },
  });
}

async function testDelivery(ctx: TestContext, id: string) {
  const res = await ctx.call({
    method: 'POST',
    url: `/api/v1/webhooks/${id}/test`,
    headers: bearer(ctx.staffManage),
  });
  expect(res.statusCode).toBe(200);
  return { body: res.body, delivery: WebhookDeliverySchema.parse(res.json()) };
}

describeDialects('webhooks reach public receivers only (%s)', (dialect) => {
  // No loopback allowance here: this app behaves like production for addresses. The one mapped name is the
  // development host map's (how the emulator stands in for Microsoft); nothing here connects to it.
  const ctx = useTestApp(dialect, {
    JOBS_ENABLED: 'false',
    MICROSOFT_HOST_MAP: 'mapped.example.test=127.0.0.1:9',
  });
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver((_req, res) => res.writeHead(200).end('ok'));
  });
  afterAll(() => receiver.close());

  it('POST /api/v1/webhooks › refuses a name that resolves to a loopback, private, link-local, CGNAT, multicast or metadata address', async () => {
    const accepted: string[] = [];
    for (const address of PRIVATE) {
      ctx.hosts.set('hook.test', [address]);
      if ((await create(ctx, 'https://hook.test/h')).statusCode !== 400) accepted.push(address);
    }
    ctx.hosts.set('hook.test', [PUBLIC, '10.0.0.1']);
    const mixed = await create(ctx, 'https://hook.test/h');
    if (mixed.statusCode !== 400) accepted.push('public + private');
    expect(accepted).toEqual([]);
    expect(mixed.json()).toEqual({
      error: { code: 'bad_request', message: 'The webhook URL must resolve to a public internet address.' },
    });
  });

  it('POST /api/v1/webhooks › refuses IP literals in those ranges, IPv4-mapped forms included', async () => {
    const accepted: string[] = [];
    for (const url of [
      'https://127.0.0.1/h',
      'https://10.1.2.3/h',
      'https://169.254.169.254/latest/meta-data/',
      'https://[::1]/h',
      'https://[::ffff:127.0.0.1]/h',
      'https://[::ffff:a9fe:a9fe]/h',
      'https://[fe80::1]/h',
      'https://0x7f000001/h',
      'https://2130706433/h',
    ]) {
      if ((await create(ctx, url)).statusCode !== 400) accepted.push(url);
    }
    expect(accepted).toEqual([]);
  });

  it('POST /api/v1/webhooks › a name the development host map sends somewhere is not looked up', async () => {
    expect((await create(ctx, 'https://mapped.example.test/h')).statusCode).toBe(201);
    expect(ctx.lookups).not.toContain('mapped.example.test');
  });

  it('POST /api/v1/webhooks › accepts a name with public addresses only', async () => {
    ctx.hosts.set('public.test', [PUBLIC, '2606:4700::1111']);
    const res = await create(ctx, 'https://public.test/h');
    expect(res.statusCode).toBe(201);
  });

  it('a name re-pointed at a loopback address after creation is refused at delivery, before any connection (DNS rebinding)', async () => {
    ctx.hosts.set('rebind.test', [PUBLIC]);
    const res = await create(ctx, `http://rebind.test:${receiver.port}/h`);
    expect(res.statusCode).toBe(201);
    const { subscription } = CreateWebhookResponseSchema.parse(res.json());
    ctx.hosts.set('rebind.test', ['127.0.0.1']);
    const { delivery } = await testDelivery(ctx, subscription.id);
    expect(delivery).toMatchObject({ status: 'failed', lastError: 'the receiver address is not allowed' });
    expect(delivery.lastStatusCode).toBeUndefined();
    expect(receiver.connections).toBe(0);
    expect(ctx.lookups).toContain('rebind.test');
  });

  it('a subscription row pointing at a loopback literal (written before these rules) is refused at delivery', async () => {
    ctx.hosts.set('old.test', [PUBLIC]);
    const { subscription } = CreateWebhookResponseSchema.parse(
      (await create(ctx, 'https://old.test/h')).json(),
    );
    await ctx.app.store.db
      .updateTable('webhook_subscriptions')
      .set({ url: `http://127.0.0.1:${receiver.port}/h` })
      .where('id', '=', subscription.id)
      .execute();
    const { delivery } = await testDelivery(ctx, subscription.id);
    expect(delivery).toMatchObject({ status: 'failed', lastError: 'the receiver address is not allowed' });
    expect(receiver.connections).toBe(0);
  });
});

describeDialects('webhook test deliveries show a status and a timing only (%s)', (dialect) => {
  // These receivers are this file's own, on 127.0.0.1: the tests-only allowance, explicitly.
  const ctx = useTestApp(dialect, { WEBHOOK_ALLOW_LOOPBACK: 'true' });
  let receiver: Receiver;
  let target: Receiver;
  beforeAll(async () => {
    target = await startReceiver((_req, res) => res.writeHead(200).end('reached'));
    receiver = await startReceiver((req, res) => {
      if (req.url === '/redirect') res.writeHead(302, { location: `http://127.0.0.1:${target.port}/` }).end();
      else res.writeHead(500, { 'content-type': 'text/plain' }).end('INTERNAL-ADMIN-PAGE root:x:0:0');
    });
  });
  afterAll(async () => {
    await receiver.close();
    await target.close();
  });

  it("POST /api/v1/webhooks/:id/test › never echoes the receiver's answer", async () => {
    const { subscription } = CreateWebhookResponseSchema.parse(
      (await create(ctx, `http://127.0.0.1:${receiver.port}/h`)).json(),
    );
    const { body, delivery } = await testDelivery(ctx, subscription.id);
    expect(delivery).toMatchObject({ status: 'failed', lastStatusCode: 500 });
    expect(delivery.durationMs).toBeGreaterThanOrEqual(0);
    expect(body).not.toContain('INTERNAL-ADMIN-PAGE');
    const list = await ctx.call({
      method: 'GET',
      url: `/api/v1/webhooks/${subscription.id}/deliveries`,
      headers: bearer(ctx.staffRead),
    });
    expect(list.body).not.toContain('INTERNAL-ADMIN-PAGE');
  });

  it("POST /api/v1/webhooks/:id/test › a connection error is a fixed text, not the network's (no port scanning)", async () => {
    const closed = await startReceiver(() => undefined);
    const port = closed.port;
    await closed.close();
    const { subscription } = CreateWebhookResponseSchema.parse(
      (await create(ctx, `http://127.0.0.1:${port}/h`)).json(),
    );
    const { body, delivery } = await testDelivery(ctx, subscription.id);
    expect(delivery).toMatchObject({ status: 'failed', lastError: 'the receiver could not be reached' });
    expect(body).not.toMatch(/ECONNREFUSED|127\.0\.0\.1:\d+/);
  });

  it('POST /api/v1/webhooks/:id/test › a redirect is not followed', async () => {
    const { subscription } = CreateWebhookResponseSchema.parse(
      (await create(ctx, `http://127.0.0.1:${receiver.port}/redirect`)).json(),
    );
    const { delivery } = await testDelivery(ctx, subscription.id);
    expect(delivery).toMatchObject({ status: 'failed', lastStatusCode: 302 });
    expect(target.requests).toEqual([]);
  });

  it('the loopback allowance opens loopback only: private addresses stay refused', async () => {
    ctx.hosts.set('private.test', ['192.168.0.10']);
    expect((await create(ctx, 'https://private.test/h')).statusCode).toBe(400);
  });
});

describeDialects('webhook URLs outside development mode (%s)', (dialect) => {
  // Production-like: no development flag, so the Microsoft settings are https (never reached by these tests).
  const ctx = useTestApp(dialect, {
    KANTIV_DEV_MODE: 'false',
    MICROSOFT_AUTHORITY_HOST: 'https://login.microsoftonline.com',
  });
  const createAsKey = (url: string) =>
    ctx.call({
      method: 'POST',
      url: '/api/v1/webhooks',
      headers: bearer(ctx.apiKey),
      payload: { url, events: ['setup.verified'] },
    });

  it('POST /api/v1/webhooks › requires https and refuses credentials in the URL', async () => {
    ctx.hosts.set('hook.test', [PUBLIC]);
    const http = await createAsKey('http://hook.test/h');
    expect(http.statusCode).toBe(400);
    expect(http.json()).toEqual({
      error: { code: 'bad_request', message: 'The webhook URL must use https.' },
    });
    const userinfo = {
      error: { code: 'bad_request', message: 'The webhook URL must not contain credentials.' },
    };
    const withPassword = await createAsKey('https://user:pass@hook.test/h');
    expect([withPassword.statusCode, withPassword.json()]).toEqual([400, userinfo]);
    const withUser = await createAsKey('https://token@hook.test/h');
    expect([withUser.statusCode, withUser.json()]).toEqual([400, userinfo]);
    expect((await createAsKey('https://hook.test/h')).statusCode).toBe(201);
  });
});
