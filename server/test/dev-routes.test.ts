import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { ApiErrorSchema } from '@kantiv/shared/errors';
import { bearer, handoffBody, startTestApp, type TestContext } from './helpers/app.ts';

/**
 * The development seams `pnpm bench fleet` drives a server in its own process with (routes/dev): they exist only
 * with KANTIV_DEV_MODE=true. A production configuration answers 404 in the shared error shape, as for any unknown
 * route; with dev mode, seeded setups are verified and their secrets sealed (never in the database in plaintext).
 */
const seedBody = () => ({
  setups: [{ customerName: 'Fleet 1', credential: handoffBody(randomUUID()) }],
});

describe('development seams without KANTIV_DEV_MODE', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    // A production configuration: dev mode off, so Microsoft's authority must be the real (https) one.
    ctx = await startTestApp('sqlite', {
      KANTIV_DEV_MODE: 'false',
      MICROSOFT_AUTHORITY_HOST: 'https://login.microsoftonline.com',
    });
  }, 60_000);
  afterAll(() => ctx.close());

  it.each([
    ['POST', '/api/v1/dev/verified-setups', seedBody()],
    ['POST', '/api/v1/dev/health-cycle', undefined],
    ['GET', '/api/v1/dev/health-stats', undefined],
  ] as const)('%s %s answers 404 and changes nothing', async (method, url, payload) => {
    const res = await ctx.call({
      method,
      url,
      headers: bearer(ctx.apiKey),
      ...(payload ? { payload } : {}),
    });
    expect(res.statusCode).toBe(404);
    expect(ApiErrorSchema.safeParse(res.json()).success).toBe(true);
    const setups = await ctx.app.store.db.selectFrom('setups').select('id').execute();
    expect(setups).toEqual([]);
  });
});

describe('development seams with KANTIV_DEV_MODE', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await startTestApp('sqlite', { HEALTH_CHECK_INTERVAL_SECONDS: '3600' });
  }, 60_000);
  afterAll(() => ctx.close());

  it('stays out of the OpenAPI document (not part of the product API)', async () => {
    const doc = await ctx.call({ method: 'GET', url: '/docs/json' });
    expect(Object.keys(doc.json<{ paths: Record<string, unknown> }>().paths)).not.toContain(
      '/api/v1/dev/health-cycle',
    );
  });

  it('needs an API key or staff token', async () => {
    const res = await ctx.call({ method: 'POST', url: '/api/v1/dev/health-cycle' });
    expect(res.statusCode).toBe(401);
  });

  it('seeds verified setups with sealed secrets, then makes every check due now', async () => {
    const body = seedBody();
    const seeded = await ctx.call({
      method: 'POST',
      url: '/api/v1/dev/verified-setups',
      headers: bearer(ctx.apiKey),
      payload: body,
    });
    expect(seeded.statusCode).toBe(201);
    const [id] = seeded.json<{ ids: string[] }>().ids;
    const setup = await ctx.call({
      method: 'GET',
      url: `/api/v1/setups/${id}`,
      headers: bearer(ctx.apiKey),
    });
    expect(setup.json<{ state: string }>().state).toBe('verified');
    expect(ctx.db.dump()).not.toContain(body.setups[0]!.credential.clientSecret);

    const cycle = await ctx.call({
      method: 'POST',
      url: '/api/v1/dev/health-cycle',
      headers: bearer(ctx.apiKey),
    });
    expect(cycle.json()).toEqual({ scheduled: 1, due: 1 });
    const job = await ctx.app.store.db
      .selectFrom('jobs')
      .select('run_at')
      .where('setup_id', '=', id!)
      .where('kind', '=', 'health')
      .executeTakeFirstOrThrow();
    expect(Date.parse(job.run_at)).toBeLessThanOrEqual(ctx.app.clock.now().getTime());
  });

  it('refuses a malformed seed with a 400 in the shared error shape', async () => {
    const res = await ctx.call({
      method: 'POST',
      url: '/api/v1/dev/verified-setups',
      headers: bearer(ctx.apiKey),
      payload: { setups: [{ customerName: 'x', credential: { clientSecret: 'only' } }] },
    });
    expect(res.statusCode).toBe(400);
    expect(ApiErrorSchema.safeParse(res.json()).success).toBe(true);
  });
});
