import { expect, it } from 'vitest';
import { ApiErrorSchema } from '@kantiv/shared/errors';
import {
  CreateSetupResponseSchema,
  SetupListSchema,
  SetupSchema,
  SetupStatusSchema,
} from '@kantiv/shared/setup';
import { STATUS_VERSION_TTL_MS } from '../src/services/setups/status.ts';
import { describeDialects } from './helpers/databases.ts';
import { bearer, createSetup, useTestApp } from './helpers/app.ts';

describeDialects('setups API (%s)', (dialect) => {
  const ctx = useTestApp(dialect);

  it('POST /api/v1/setups › creates an invited setup with an invite link carrying the token in its fragment', async () => {
    const res = await ctx.call({
      method: 'POST',
      url: '/api/v1/setups',
      headers: bearer(ctx.staffManage),
      payload: { customerName: 'Fabrikam', expectedTenantDomain: 'Fabrikam.COM', inviteExpiresInHours: 48 },
    });
    expect(res.statusCode).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = CreateSetupResponseSchema.parse(res.json());
    expect(body.setup.state).toBe('invited');
    expect(body.setup.expectedTenantDomain).toBe('fabrikam.com');
    expect(body.setup.manifest.roleName).toBe('Kantiv Integration');
    const url = new URL(body.inviteUrl);
    expect(url.pathname).toBe(`/setup/${body.setup.id}`);
    expect(url.search).toBe('');
    expect(url.hash).toMatch(/^#token=[A-Za-z0-9_-]{43}$/);
  });

  it('POST /api/v1/setups › rejects an unknown field and a bad domain with validation_failed', async () => {
    const res = await ctx.call({
      method: 'POST',
      url: '/api/v1/setups',
      headers: bearer(ctx.apiKey),
      payload: { customerName: 'X', expectedTenantDomain: 'not a domain', extra: 1 },
    });
    expect(res.statusCode).toBe(400);
    expect(ApiErrorSchema.parse(res.json()).error.code).toBe('validation_failed');
  });

  it('GET /api/v1/setups › lists with state filter, search, counts and cursor pagination', async () => {
    for (const name of ['Alpha Corp', 'Beta Corp', 'Gamma 100% Ltd'])
      await createSetup(ctx, { customerName: name });
    const first = await ctx.call({
      method: 'GET',
      url: '/api/v1/setups?limit=2',
      headers: bearer(ctx.staffRead),
    });
    expect(first.statusCode).toBe(200);
    const page1 = SetupListSchema.parse(first.json());
    expect(page1.items).toHaveLength(2);
    expect(page1.nextCursor).toBeDefined();
    expect(page1.counts.invited).toBeGreaterThanOrEqual(4);
    const second = await ctx.call({
      method: 'GET',
      url: `/api/v1/setups?limit=2&cursor=${page1.nextCursor}`,
      headers: bearer(ctx.staffRead),
    });
    const page2 = SetupListSchema.parse(second.json());
    expect(page2.items.map((s) => s.id)).not.toContain(page1.items[0]?.id);

    const search = await ctx.call({
      method: 'GET',
      url: '/api/v1/setups?q=100%25',
      headers: bearer(ctx.apiKey),
    });
    expect(SetupListSchema.parse(search.json()).items.map((s) => s.customerName)).toEqual(['Gamma 100% Ltd']);
    const none = await ctx.call({
      method: 'GET',
      url: '/api/v1/setups?state=verified',
      headers: bearer(ctx.apiKey),
    });
    expect(SetupListSchema.parse(none.json()).items).toHaveLength(0);
    const bad = await ctx.call({
      method: 'GET',
      url: '/api/v1/setups?cursor=%%%',
      headers: bearer(ctx.apiKey),
    });
    expect(bad.statusCode).toBe(400);
  });

  it('GET /api/v1/setups/:id › returns the detail with every step, and 404 for an unknown id', async () => {
    const { id } = await createSetup(ctx);
    const res = await ctx.call({
      method: 'GET',
      url: `/api/v1/setups/${id}`,
      headers: bearer(ctx.staffRead),
    });
    expect(res.statusCode).toBe(200);
    const setup = SetupSchema.parse(res.json());
    expect(setup.steps.map((s) => s.step)).toContain('verification');
    const missing = await ctx.call({
      method: 'GET',
      url: '/api/v1/setups/00000000-0000-4000-8000-000000000000',
      headers: bearer(ctx.staffRead),
    });
    expect(missing.statusCode).toBe(404);
    const malformed = await ctx.call({
      method: 'GET',
      url: '/api/v1/setups/nope',
      headers: bearer(ctx.staffRead),
    });
    expect(malformed.statusCode).toBe(400);
  });

  it('GET /api/v1/setups/:id/status › answers 304 to a matching If-None-Match and a new ETag after a change', async () => {
    const { id } = await createSetup(ctx);
    const res = await ctx.call({
      method: 'GET',
      url: `/api/v1/setups/${id}/status`,
      headers: bearer(ctx.apiKey),
    });
    expect(res.statusCode).toBe(200);
    const etag = res.headers.etag as string;
    expect(SetupStatusSchema.parse(res.json()).state).toBe('invited');
    const again = await ctx.call({
      method: 'GET',
      url: `/api/v1/setups/${id}/status`,
      headers: { ...bearer(ctx.apiKey), 'if-none-match': etag },
    });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    // A repeat poll is answered from the caches (no database read): the same answer, headers included.
    const cached = await ctx.call({
      method: 'GET',
      url: `/api/v1/setups/${id}/status`,
      headers: bearer(ctx.apiKey),
    });
    expect(cached.statusCode).toBe(200);
    expect(cached.body).toBe(res.body);
    for (const name of [
      'etag',
      'content-type',
      'cache-control',
      'content-security-policy',
      'x-content-type-options',
    ])
      expect([name, cached.headers[name]]).toEqual([name, res.headers[name]]);
    await ctx.call({
      method: 'POST',
      url: `/api/v1/setups/${id}/extend`,
      headers: bearer(ctx.apiKey),
      payload: { hours: 2 },
    });
    const changed = await ctx.call({
      method: 'GET',
      url: `/api/v1/setups/${id}/status`,
      headers: { ...bearer(ctx.apiKey), 'if-none-match': etag },
    });
    expect(changed.statusCode).toBe(200);
    expect(changed.headers.etag).not.toBe(etag);
  });

  it('GET /api/v1/setups/:id/status › a poll right after a change sees it (the cached version is forgotten on commit)', async () => {
    const { id } = await createSetup(ctx);
    const status = () =>
      ctx.call({ method: 'GET', url: `/api/v1/setups/${id}/status`, headers: bearer(ctx.apiKey) });
    expect(SetupStatusSchema.parse((await status()).json()).state).toBe('invited');
    expect(SetupStatusSchema.parse((await status()).json()).state).toBe('invited');
    await ctx.call({ method: 'POST', url: `/api/v1/setups/${id}/revoke`, headers: bearer(ctx.staffManage) });
    const after = await status();
    expect(SetupStatusSchema.parse(after.json()).state).toBe('revoked');
    expect(after.headers.etag).toBe('"2"');
  });

  it('GET /api/v1/setups/:id/status › a write this instance cannot see shows within STATUS_VERSION_TTL_MS', async () => {
    const { id } = await createSetup(ctx);
    const status = () =>
      ctx.call({ method: 'GET', url: `/api/v1/setups/${id}/status`, headers: bearer(ctx.apiKey) });
    expect((await status()).headers.etag).toBe('"1"');
    // As another process would: straight into the database, no event.
    await ctx.app.store.db
      .updateTable('setups')
      .set({ state: 'revoked', version: 2 })
      .where('id', '=', id)
      .execute();
    await new Promise((r) => setTimeout(r, STATUS_VERSION_TTL_MS + 50));
    const after = await status();
    expect(after.headers.etag).toBe('"2"');
    expect(SetupStatusSchema.parse(after.json()).state).toBe('revoked');
  });

  it('GET /api/v1/setups/:id/status?wait › a long-poll returns as soon as the setup changes', async () => {
    const { id } = await createSetup(ctx);
    const first = await ctx.call({
      method: 'GET',
      url: `/api/v1/setups/${id}/status`,
      headers: bearer(ctx.apiKey),
    });
    const etag = first.headers.etag as string;
    const poll = ctx.call({
      method: 'GET',
      url: `/api/v1/setups/${id}/status?wait=20`,
      headers: { ...bearer(ctx.apiKey), 'if-none-match': etag },
    });
    await new Promise((r) => setTimeout(r, 100));
    await ctx.call({ method: 'POST', url: `/api/v1/setups/${id}/revoke`, headers: bearer(ctx.staffManage) });
    const res = await poll;
    expect(res.statusCode).toBe(200);
    expect(SetupStatusSchema.parse(res.json()).state).toBe('revoked');
  });

  it('GET /api/v1/setups/:id/status?wait › times out with 304 when nothing changes', async () => {
    const { id } = await createSetup(ctx);
    const first = await ctx.call({
      method: 'GET',
      url: `/api/v1/setups/${id}/status`,
      headers: bearer(ctx.apiKey),
    });
    const res = await ctx.call({
      method: 'GET',
      url: `/api/v1/setups/${id}/status?wait=1`,
      headers: { ...bearer(ctx.apiKey), 'if-none-match': first.headers.etag as string },
    });
    expect(res.statusCode).toBe(304);
  });

  it('POST /api/v1/setups/:id/revoke › revokes, and the setup token stops working', async () => {
    const { id, token } = await createSetup(ctx);
    const res = await ctx.call({
      method: 'POST',
      url: `/api/v1/setups/${id}/revoke`,
      headers: bearer(ctx.staffManage),
    });
    expect(res.statusCode).toBe(200);
    expect(SetupSchema.parse(res.json()).state).toBe('revoked');
    const wizard = await ctx.call({ method: 'GET', url: '/api/v1/wizard/setup', headers: bearer(token) });
    expect(wizard.statusCode).toBe(401);
    expect(ApiErrorSchema.parse(wizard.json()).error.code).toBe('setup_revoked');
    const extend = await ctx.call({
      method: 'POST',
      url: `/api/v1/setups/${id}/extend`,
      headers: bearer(ctx.staffManage),
      payload: { hours: 1 },
    });
    expect(extend.statusCode).toBe(409);
  });

  it('POST /api/v1/setups/:id/revoke › accepts an empty body sent as application/json', async () => {
    const { id } = await createSetup(ctx);
    const res = await ctx.call({
      method: 'POST',
      url: `/api/v1/setups/${id}/revoke`,
      headers: { ...bearer(ctx.staffManage), 'content-type': 'application/json' },
      payload: '',
    });
    expect(res.statusCode).toBe(200);
    const proto = await ctx.call({
      method: 'POST',
      url: '/api/v1/setups',
      headers: { ...bearer(ctx.staffManage), 'content-type': 'application/json' },
      payload: '{"customerName":"x","__proto__":{"polluted":true}}',
    });
    expect(proto.statusCode).toBe(400);
  });

  it('POST /api/v1/setups/:id/extend › moves the invite expiry later; validates hours', async () => {
    const { id } = await createSetup(ctx, { inviteExpiresInHours: 1 });
    const before = SetupSchema.parse(
      (await ctx.call({ method: 'GET', url: `/api/v1/setups/${id}`, headers: bearer(ctx.apiKey) })).json(),
    );
    const res = await ctx.call({
      method: 'POST',
      url: `/api/v1/setups/${id}/extend`,
      headers: bearer(ctx.staffManage),
      payload: { hours: 24 },
    });
    expect(res.statusCode).toBe(200);
    expect(Date.parse(SetupSchema.parse(res.json()).inviteExpiresAt)).toBeGreaterThan(
      Date.parse(before.inviteExpiresAt),
    );
    const bad = await ctx.call({
      method: 'POST',
      url: `/api/v1/setups/${id}/extend`,
      headers: bearer(ctx.staffManage),
      payload: { hours: 0 },
    });
    expect(bad.statusCode).toBe(400);
  });

  it('POST /api/v1/setups/:id/invite › issues a fresh token and invalidates the old one', async () => {
    const { id, token } = await createSetup(ctx);
    const res = await ctx.call({
      method: 'POST',
      url: `/api/v1/setups/${id}/invite`,
      headers: bearer(ctx.staffManage),
    });
    expect(res.statusCode).toBe(200);
    const fresh = new URL(CreateSetupResponseSchema.parse(res.json()).inviteUrl).hash.replace('#token=', '');
    expect(fresh).not.toBe(token);
    expect(
      (await ctx.call({ method: 'GET', url: '/api/v1/wizard/setup', headers: bearer(token) })).statusCode,
    ).toBe(401);
    expect(
      (await ctx.call({ method: 'GET', url: '/api/v1/wizard/setup', headers: bearer(fresh) })).statusCode,
    ).toBe(200);
  });

  it('POST /api/v1/setups/:id/reverify › is a conflict while no credential was handed off', async () => {
    const { id } = await createSetup(ctx);
    const res = await ctx.call({
      method: 'POST',
      url: `/api/v1/setups/${id}/reverify`,
      headers: bearer(ctx.staffManage),
    });
    expect(res.statusCode).toBe(409);
  });

  it('records every staff action in the audit log', async () => {
    const { id } = await createSetup(ctx);
    await ctx.call({ method: 'POST', url: `/api/v1/setups/${id}/revoke`, headers: bearer(ctx.staffManage) });
    const res = await ctx.call({
      method: 'GET',
      url: `/api/v1/audit?setupId=${id}`,
      headers: bearer(ctx.staffRead),
    });
    expect(res.statusCode).toBe(200);
    const actions = res
      .json<{ items: { action: string; actor: { kind: string } }[] }>()
      .items.map((i) => `${i.actor.kind}:${i.action}`);
    expect(actions).toEqual(expect.arrayContaining(['api_key:setup.created', 'staff:setup.revoked']));
  });
});
