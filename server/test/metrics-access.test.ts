import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, generateKeySpec, loadConfig } from '../src/config.ts';
import { DIALECTS } from './helpers/databases.ts';
import { bearer, createSetup, startTestApp, type TestContext } from './helpers/app.ts';

describe.each(DIALECTS)('GET /metrics (%s)', (dialect) => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await startTestApp(dialect);
  });
  afterAll(async () => {
    await ctx.close();
  });

  it('answers 401 without the metrics token, whatever other credential is sent', async () => {
    const { token } = await createSetup(ctx);
    for (const headers of [
      {},
      bearer(ctx.apiKey),
      bearer(ctx.staffManage),
      bearer(token),
      bearer(`${ctx.metricsToken}x`),
    ]) {
      const res = await ctx.call({ method: 'GET', url: '/metrics', headers });
      expect(res.statusCode).toBe(401);
      expect(res.json<{ error: { code: string } }>().error.code).toBe('unauthorized');
      expect(res.body).not.toContain('kantiv_setups');
    }
  });

  it('serves the metrics to the holder of METRICS_TOKEN', async () => {
    const res = await ctx.call({ method: 'GET', url: '/metrics', headers: bearer(ctx.metricsToken) });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('kantiv_setups{state="invited"}');
  });
});

describe.each(DIALECTS)('GET /metrics without METRICS_TOKEN (%s)', (dialect) => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await startTestApp(dialect, { METRICS_TOKEN: '' });
  });
  afterAll(async () => {
    await ctx.close();
  });

  it('is off: every caller gets 401', async () => {
    for (const headers of [{}, bearer(ctx.staffManage), bearer(ctx.apiKey)]) {
      expect((await ctx.call({ method: 'GET', url: '/metrics', headers })).statusCode).toBe(401);
    }
  });
});

describe('METRICS_TOKEN', () => {
  it('refuses a short token', () => {
    expect(() => loadConfig({ KANTIV_KEYS: generateKeySpec('k1'), METRICS_TOKEN: 'short' })).toThrow(
      ConfigError,
    );
  });
});
