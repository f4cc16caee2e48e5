import { describe, expect, it } from 'vitest';
import { ConfigError, generateKeySpec, loadConfig } from '../src/config.ts';
import { describeDialects } from './helpers/databases.ts';
import { bearer, createSetup, useTestApp } from './helpers/app.ts';

describeDialects('GET /metrics (%s)', (dialect) => {
  const ctx = useTestApp(dialect);

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

describeDialects('GET /metrics without METRICS_TOKEN (%s)', (dialect) => {
  const ctx = useTestApp(dialect, { METRICS_TOKEN: '' });

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
