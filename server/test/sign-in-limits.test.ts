import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, generateKeySpec, loadConfig } from '../src/config.ts';
import { describeDialects } from './helpers/databases.ts';
import { bearer, createSetup, startTestApp, type TestContext } from './helpers/app.ts';

const KEYS = generateKeySpec('k1');
const MAX = 5;

function trustProxyProblem(value: string): string {
  try {
    loadConfig({ KANTIV_KEYS: KEYS, TRUST_PROXY: value });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems.join('\n');
  }
  return '';
}

describe('TRUST_PROXY', () => {
  it('refuses `true` (every hop trusted) and anything that is not a hop count or addresses/CIDRs', () => {
    expect(trustProxyProblem('true')).toMatch(/TRUST_PROXY: "true" would trust every hop/);
    expect(trustProxyProblem('proxy.internal')).toContain('TRUST_PROXY');
    expect(trustProxyProblem('10.0.0.0/33')).toContain('TRUST_PROXY');
    expect(trustProxyProblem('11')).toContain('between 0 and 10');
  });

  it('takes a hop count or a list of addresses and CIDRs', () => {
    const load = (v: string) => loadConfig({ KANTIV_KEYS: KEYS, TRUST_PROXY: v }).trustProxy;
    expect(load('false')).toBe(false);
    expect(load('0')).toBe(false);
    expect(load('2')).toEqual({ hops: 2 });
    expect(load('10.0.0.0/8, fd00::/8,192.0.2.1,loopback')).toEqual([
      '10.0.0.0/8',
      'fd00::/8',
      '192.0.2.1',
      'loopback',
    ]);
  });
});

/** A wrong guess from `remoteAddress`, optionally through X-Forwarded-For. */
const guess = (ctx: TestContext, remoteAddress: string, forwardedFor?: string, n = 0) =>
  ctx.call({
    method: 'GET',
    url: '/api/v1/setups',
    remoteAddress,
    headers: {
      ...bearer(`kc_guess${n}${Math.random().toString(36).slice(2)}`),
      ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}),
    },
  });

describeDialects('failed sign-ins behind one trusted proxy (%s)', (dialect) => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await startTestApp(dialect, { RATE_LIMIT_MAX: String(MAX), TRUST_PROXY: '1' });
  });
  afterAll(async () => {
    await ctx.close();
  });

  it('a client cannot choose its address with X-Forwarded-For: the proxy-seen address is counted', async () => {
    // The client prepends a fresh address each time; the load balancer (10.0.0.5) appends the one it saw.
    for (let i = 0; i < MAX; i += 1) {
      expect((await guess(ctx, '10.0.0.5', `198.51.100.${i}, 203.0.113.7`, i)).statusCode).toBe(401);
    }
    const next = await guess(ctx, '10.0.0.5', '198.51.100.99, 203.0.113.7');
    expect(next.statusCode).toBe(429);
    // Another client behind the same proxy has its own count.
    expect((await guess(ctx, '10.0.0.5', '203.0.113.8')).statusCode).toBe(401);
  });

  it('audits failed sign-ins with the address and the kind of credential, never the credential', async () => {
    const res = await ctx.call({
      method: 'GET',
      url: '/api/v1/audit?action=auth.failed&limit=200',
      headers: bearer(ctx.staffRead),
    });
    const items = res.json<{ items: { details: Record<string, unknown> }[] }>().items;
    expect(items.length).toBeGreaterThanOrEqual(MAX);
    expect(items[0]?.details).toMatchObject({ credential: 'api_key', reason: 'unauthorized' });
    expect(items.map((i) => i.details.address)).toContain('203.0.113.7');
    expect(res.body).not.toContain('kc_guess');
    const limited = await ctx.app.audit.list({ action: 'auth.rate_limited', limit: 10 });
    expect(limited.items).toHaveLength(1);
  });
});

describeDialects('failed sign-ins with trusted proxy addresses (%s)', (dialect) => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await startTestApp(dialect, { RATE_LIMIT_MAX: String(MAX), TRUST_PROXY: '10.0.0.0/8' });
  });
  afterAll(async () => {
    await ctx.close();
  });

  it('believes X-Forwarded-For only from a listed proxy', async () => {
    // A direct client (not in 10/8) rotating X-Forwarded-For is still counted under its own address.
    for (let i = 0; i < MAX; i += 1) {
      expect((await guess(ctx, '198.51.100.9', `192.0.2.${i}`, i)).statusCode).toBe(401);
    }
    expect((await guess(ctx, '198.51.100.9', '192.0.2.200')).statusCode).toBe(429);
  });
});

describeDialects('failed sign-ins never lock out a valid credential (%s)', (dialect) => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await startTestApp(dialect, { RATE_LIMIT_MAX: String(MAX) });
  });
  afterAll(async () => {
    await ctx.close();
  });

  it('past the budget, wrong guesses answer 429 while valid API keys, staff and setup tokens still pass', async () => {
    const { token } = await createSetup(ctx);
    for (let i = 0; i < MAX; i += 1)
      expect((await guess(ctx, '203.0.113.7', undefined, i)).statusCode).toBe(401);
    expect((await guess(ctx, '203.0.113.7')).statusCode).toBe(429);
    const from = (t: string, url = '/api/v1/setups') =>
      ctx.call({ method: 'GET', url, remoteAddress: '203.0.113.7', headers: bearer(t) });
    expect((await from(ctx.apiKey)).statusCode).toBe(200);
    expect((await from(ctx.staffRead)).statusCode).toBe(200);
    expect((await from(token, '/api/v1/wizard/setup')).statusCode).toBe(200);
    // A wrong setup token from there is still refused with 429.
    expect((await from('x'.repeat(43), '/api/v1/wizard/setup')).statusCode).toBe(429);
  });
});

describeDialects('staff key endpoint unreachable (%s)', (dialect) => {
  let ctx: TestContext;
  beforeAll(async () => {
    // A loopback port nobody listens on: the key fetch is refused at once.
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    ctx = await startTestApp(dialect, {
      RATE_LIMIT_MAX: String(MAX),
      STAFF_JWKS_URL: `http://127.0.0.1:${port}/keys`,
    });
  });
  afterAll(async () => {
    await ctx.close();
  });

  it('answers 503 in the shared error shape and never counts it as a failed sign-in', async () => {
    for (let i = 0; i < MAX + 2; i += 1) {
      const res = await ctx.call({
        method: 'GET',
        url: '/api/v1/setups',
        remoteAddress: '203.0.113.7',
        headers: bearer(ctx.staffRead),
      });
      expect(res.statusCode).toBe(503);
      expect(res.json<{ error: { code: string; message: string } }>().error.code).toBe('service_unavailable');
    }
    const key = await ctx.call({
      method: 'GET',
      url: '/api/v1/setups',
      remoteAddress: '203.0.113.7',
      headers: bearer(ctx.apiKey),
    });
    expect(key.statusCode).toBe(200);
    const audit = await ctx.app.audit.list({ action: 'auth.failed', limit: 10 });
    expect(audit.items).toHaveLength(0);
  });
});
