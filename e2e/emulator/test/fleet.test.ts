import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../src/index.ts';
import { createLoadMeter } from '../src/service-protection.ts';
import type { BulkSeedResult } from '../src/fleet.ts';
import { call, errorOf } from './support/helpers.ts';

let emulator: Emulator;
const SECRET = 'bulk-seeded-secret-0123456789';

beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator.close();
});

async function control(method: string, route: string, body?: unknown) {
  return call(emulator, `https://localhost:${emulator.port}/_emulator${route}`, { method, body });
}

async function appToken(tenantId: string, appId: string, resource: string) {
  const res = await emulator.fetch(`https://login.microsoftonline.com/${tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: appId,
      client_secret: SECRET,
      scope: `${resource}/.default`,
    }).toString(),
  });
  return { status: res.status, body: (await res.json()) as { access_token?: string } };
}

describe('bulk seed (control API, for pnpm bench fleet)', () => {
  it('makes tenants whose apps sign in with the secret and read Dataverse as their application user', async () => {
    emulator.control.reset();
    const seeded = await control('POST', '/bulk-seed', {
      tenants: 3,
      appsPerTenant: 2,
      role: { name: 'Kantiv Integration', privileges: { prvReadAccount: 'Global', prvReadRole: 'Global' } },
      secretText: SECRET,
    });
    expect(seeded.status).toBe(201);
    const result = seeded.json as unknown as BulkSeedResult;
    expect(result.tenants).toHaveLength(3);
    expect(new Set(result.tenants.map((t) => t.environmentUrl)).size).toBe(3);
    const last = result.tenants[2]!;
    const app = last.apps[1]!;
    const token = await appToken(last.tenantId, app.appId, last.environmentUrl);
    expect(token.status).toBe(200);
    const api = `${last.environmentUrl.replace('.crm.', '.api.crm.')}/api/data/v9.2`;
    const who = await call(emulator, `${api}/WhoAmI`, { token: token.body.access_token! });
    expect(who.json.UserId).toBe(app.applicationUserId);
    const roles = await call(
      emulator,
      `${api}/systemusers(${app.applicationUserId})/systemuserroles_association?$select=name`,
      { token: token.body.access_token! },
    );
    expect((roles.json.value as { name: string }[]).map((r) => r.name)).toEqual(['Kantiv Integration']);
    expect((await call(emulator, `${api}/accounts?$top=1`, { token: token.body.access_token! })).status).toBe(
      200,
    );
    // Granted Read on accounts only: contacts stay refused, as for a role made from a manifest.
    expect((await call(emulator, `${api}/contacts?$top=1`, { token: token.body.access_token! })).status).toBe(
      403,
    );
    // Another tenant's app cannot sign in to this tenant with the same secret.
    expect(
      (await appToken(last.tenantId, result.tenants[0]!.apps[0]!.appId, last.environmentUrl)).status,
    ).toBe(400);
  });

  it('refuses a seed it cannot make, with the control API error shape', async () => {
    const bad = await control('POST', '/bulk-seed', {
      tenants: 0,
      appsPerTenant: 1,
      role: { name: 'x', privileges: {} },
      secretText: SECRET,
    });
    expect(bad.status).toBe(400);
    expect(errorOf(bad).code).toBe('BadRequest');
  });

  it('counts requests of one tenant in flight at once, and 429s, where they are answered', async () => {
    emulator.control.reset();
    const seeded = (
      await control('POST', '/bulk-seed', {
        tenants: 1,
        appsPerTenant: 4,
        role: { name: 'Kantiv Integration', privileges: { prvReadAccount: 'Global' } },
        secretText: SECRET,
      })
    ).json as unknown as BulkSeedResult;
    const t = seeded.tenants[0]!;
    await control('DELETE', '/load');
    await Promise.all(t.apps.map((a) => appToken(t.tenantId, a.appId, t.environmentUrl)));
    const load = (await control('GET', '/load')).json;
    expect(load.requests).toBe(4);
    expect(load.maxConcurrentPerTenant).toBeGreaterThanOrEqual(1);
    expect(load.maxConcurrentPerTenant).toBeLessThanOrEqual(4);
    expect(load.throttled).toBe(0);
  });
});

const codeOf = (body: unknown) => (JSON.parse(String(body)) as { error: { code: string } }).error.code;

describe("Dataverse's service protection limits", () => {
  it('refuses the request over the window with 429, 0x80072322 and Retry-After', () => {
    const meter = createLoadMeter({ requestsPerWindow: 3, windowMs: 300_000, concurrent: 52 });
    for (let i = 0; i < 3; i++) meter.enter('t', 'env|user').done(200);
    const over = meter.enter('t', 'env|user');
    expect(over.refused?.status).toBe(429);
    expect(codeOf(over.refused?.body)).toBe('0x80072322');
    expect(Number(over.refused?.headers?.['retry-after'])).toBeGreaterThan(0);
    over.done(429);
    // Another caller of the same environment has its own window.
    expect(meter.enter('t', 'env|other').refused).toBeNull();
    expect(meter.stats().throttled).toBe(1);
  });

  it('refuses a request over the concurrency limit with 0x80072326, and counts tenant concurrency', () => {
    const meter = createLoadMeter({ requestsPerWindow: 6000, windowMs: 300_000, concurrent: 2 });
    const a = meter.enter('t', 'env|user');
    const b = meter.enter('t', 'env|user');
    const c = meter.enter('t', 'env|user');
    expect(a.refused).toBeNull();
    expect(b.refused).toBeNull();
    expect(codeOf(c.refused?.body)).toBe('0x80072326');
    c.done(429);
    expect(meter.stats().maxConcurrentPerTenant).toBe(3);
    a.done(200);
    expect(meter.enter('t', 'env|user').refused).toBeNull();
  });
});
