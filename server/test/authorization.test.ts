import http from 'node:http';
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ApiErrorSchema } from '@kantiv/shared/errors';
import { ALL_SCOPES, expected, sseStatus, type Caller, type Route } from './helpers/access-matrix.ts';
import { describeDialects } from './helpers/databases.ts';
import {
  bearer,
  bindTenant,
  createSetup,
  handedOffSetup,
  handoffBody,
  startTestApp,
  wizardIdToken,
  type TestContext,
} from './helpers/app.ts';

/**
 * Every route × every kind of caller → the expected 2xx / 401 / 403. Success means the route's own success status
 * (for token vending: 409, because the connection is not verified; the real token is covered against the emulator).
 */
describeDialects('authorization matrix (%s)', (dialect) => {
  let ctx: TestContext;
  let receiver: http.Server;
  let receiverUrl: string;
  const keys = new Map<string, string>();
  let revokedKey = '';
  let expiredToken = '';
  let staffNoRole = '';
  let staffForged = '';
  let staffOtherAudience = '';
  let shared: { id: string; token: string };
  let other: { id: string; token: string };

  beforeAll(async () => {
    // The webhook receiver is this file's own, on 127.0.0.1: the tests-only loopback allowance, explicitly.
    ctx = await startTestApp(dialect, { WEBHOOK_ALLOW_LOOPBACK: 'true' });
    receiver = http.createServer((_req, res) => res.writeHead(204).end());
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;
    for (const scope of ALL_SCOPES) {
      const res = await ctx.call({
        method: 'POST',
        url: '/api/v1/api-keys',
        headers: bearer(ctx.staffManage),
        payload: { name: scope, scopes: [scope] },
      });
      keys.set(scope, res.json<{ key: string }>().key);
    }
    const revoked = await ctx.call({
      method: 'POST',
      url: '/api/v1/api-keys',
      headers: bearer(ctx.staffManage),
      payload: { name: 'revoked', scopes: ALL_SCOPES },
    });
    revokedKey = revoked.json<{ key: string }>().key;
    await ctx.call({
      method: 'POST',
      url: `/api/v1/api-keys/${revoked.json<{ apiKey: { id: string } }>().apiKey.id}/revoke`,
      headers: bearer(ctx.staffManage),
    });
    const expired = await createSetup(ctx);
    await ctx.app.store.db
      .updateTable('setups')
      .set({ invite_expires_at: new Date(Date.now() - 1000).toISOString() })
      .where('id', '=', expired.id)
      .execute();
    expiredToken = expired.token;
    staffNoRole = await ctx.issuer.staffToken([]);
    staffForged = await ctx.issuer.staffToken(['Connect.Manage'], { wrongKey: true });
    staffOtherAudience = await ctx.issuer.staffToken(['Connect.Manage'], { audience: 'api://someone-else' });
    shared = await createSetup(ctx);
    other = await createSetup(ctx, { customerName: 'Another customer' });
    await bindTenant(ctx, other.token);
  });
  afterAll(async () => {
    await new Promise<void>((r) => receiver.close(() => r()));
    await ctx.close();
  });

  const callers: Caller[] = [
    { name: 'no credentials', kind: 'none', header: () => undefined },
    { name: 'a malformed header', kind: 'none', header: () => 'Basic dXNlcjpwYXNz' },
    {
      name: 'a wrong setup token',
      kind: 'bad',
      header: () => `Bearer ${randomBytes(32).toString('base64url')}`,
    },
    { name: 'an expired setup token', kind: 'bad', header: () => `Bearer ${expiredToken}` },
    { name: 'a valid setup token', kind: 'setup', header: () => undefined },
    // A real token of a different setup: on the routes addressed by setup token it acts on its own setup only.
    { name: "another setup's token", kind: 'setup', header: () => `Bearer ${other.token}`, ownToken: true },
    { name: 'a forged staff token', kind: 'bad', header: () => `Bearer ${staffForged}` },
    { name: 'a staff token for another audience', kind: 'bad', header: () => `Bearer ${staffOtherAudience}` },
    { name: 'staff without a role', kind: 'staff', roles: [], header: () => `Bearer ${staffNoRole}` },
    {
      name: 'staff read-only',
      kind: 'staff',
      roles: ['Connect.Read'],
      header: () => `Bearer ${ctx.staffRead}`,
    },
    {
      name: 'staff manage',
      kind: 'staff',
      roles: ['Connect.Manage'],
      header: () => `Bearer ${ctx.staffManage}`,
    },
    ...ALL_SCOPES.map((scope): Caller => ({
      name: `an API key with only ${scope}`,
      kind: 'key',
      scopes: [scope],
      header: () => `Bearer ${keys.get(scope)}`,
    })),
    { name: 'a revoked API key', kind: 'bad', header: () => `Bearer ${revokedKey}` },
  ];

  const webhookFor = async (c: TestContext, caller: Caller) => {
    const asKey = caller.kind === 'key' && caller.scopes?.includes('webhooks:manage');
    const res = await c.call({
      method: 'POST',
      url: '/api/v1/webhooks',
      headers: { authorization: asKey ? caller.header()! : `Bearer ${c.staffManage}` },
      payload: { url: receiverUrl, events: ['setup.verified'] },
    });
    return res.json<{ subscription: { id: string } }>().subscription.id;
  };

  const read = { staff: 'read', apiKey: 'setups:read' } as const;
  const write = { staff: 'manage', apiKey: 'setups:write' } as const;
  const routes: Route[] = [
    {
      name: 'GET /healthz',
      method: 'GET',
      rule: 'public',
      ok: [200],
      prepare: async () => ({ url: '/healthz' }),
    },
    {
      name: 'GET /readyz',
      method: 'GET',
      rule: 'public',
      ok: [200],
      prepare: async () => ({ url: '/readyz' }),
    },
    {
      name: 'GET /metrics',
      method: 'GET',
      rule: 'metrics_token',
      ok: [200],
      prepare: async () => ({ url: '/metrics' }),
    },
    {
      name: 'GET /api/v1/client-config',
      method: 'GET',
      rule: 'public',
      ok: [200],
      prepare: async () => ({ url: '/api/v1/client-config' }),
    },
    {
      name: 'POST /api/v1/setups',
      method: 'POST',
      rule: write,
      ok: [201],
      prepare: async () => ({ url: '/api/v1/setups', payload: { customerName: 'Matrix' } }),
    },
    {
      name: 'GET /api/v1/setups',
      method: 'GET',
      rule: read,
      ok: [200],
      prepare: async () => ({ url: '/api/v1/setups' }),
    },
    {
      name: 'GET /api/v1/setups/:id',
      method: 'GET',
      rule: read,
      ok: [200],
      prepare: async () => ({ url: `/api/v1/setups/${shared.id}` }),
    },
    {
      name: 'GET /api/v1/setups/:id/status',
      method: 'GET',
      rule: read,
      ok: [200],
      prepare: async () => ({ url: `/api/v1/setups/${shared.id}/status` }),
    },
    {
      name: 'GET /api/v1/setups/:id/events',
      method: 'GET',
      rule: read,
      ok: [200],
      sse: true,
      prepare: async () => ({ url: `/api/v1/setups/${shared.id}/events` }),
    },
    {
      name: 'POST /api/v1/setups/:id/revoke',
      method: 'POST',
      rule: write,
      ok: [200],
      prepare: async (c) => ({ url: `/api/v1/setups/${(await createSetup(c)).id}/revoke` }),
    },
    {
      name: 'POST /api/v1/setups/:id/extend',
      method: 'POST',
      rule: write,
      ok: [200],
      prepare: async () => ({ url: `/api/v1/setups/${shared.id}/extend`, payload: { hours: 1 } }),
    },
    {
      name: 'POST /api/v1/setups/:id/reverify',
      method: 'POST',
      rule: write,
      ok: [202],
      prepare: async (c) => ({ url: `/api/v1/setups/${(await handedOffSetup(c)).id}/reverify` }),
    },
    {
      // A setup not yet verified (no certificate to rotate): an allowed caller gets past authorization to the 409.
      name: 'POST /api/v1/setups/:id/credential/rotate',
      method: 'POST',
      rule: write,
      ok: [409],
      prepare: async (c) => ({ url: `/api/v1/setups/${(await handedOffSetup(c)).id}/credential/rotate` }),
    },
    {
      name: 'POST /api/v1/setups/:id/invite',
      method: 'POST',
      rule: write,
      ok: [200],
      prepare: async (c) => ({ url: `/api/v1/setups/${(await createSetup(c)).id}/invite` }),
    },
    {
      name: 'GET /api/v1/wizard/setup',
      method: 'GET',
      rule: 'setup_token',
      ok: [200],
      prepare: async (c) => ({ url: '/api/v1/wizard/setup', setupToken: (await createSetup(c)).token }),
    },
    {
      name: 'POST /api/v1/wizard/identity',
      method: 'POST',
      rule: 'setup_token',
      ok: [200],
      otherSetup: [400], // the ID token's nonce is the prepared setup's, not that of the token's setup
      prepare: async (c) => {
        const setupToken = (await createSetup(c)).token;
        return {
          url: '/api/v1/wizard/identity',
          setupToken,
          payload: { idToken: await wizardIdToken(c, setupToken, randomUUID(), 'admin@contoso.com') },
        };
      },
    },
    {
      name: 'POST /api/v1/wizard/events',
      method: 'POST',
      rule: 'setup_token',
      ok: [200],
      prepare: async (c) => ({
        url: '/api/v1/wizard/events',
        setupToken: (await createSetup(c)).token,
        payload: {
          events: [
            {
              seq: 1,
              step: 'preflight',
              status: 'running',
              at: new Date().toISOString(),
              message: 'checking',
            },
          ],
        },
      }),
    },
    {
      name: 'POST /api/v1/wizard/credentials',
      method: 'POST',
      rule: 'setup_token',
      ok: [202],
      otherSetup: [403], // the body's tenant is the prepared setup's, not that of the token's setup
      prepare: async (c) => {
        const s = await createSetup(c);
        return {
          url: '/api/v1/wizard/credentials',
          setupToken: s.token,
          payload: handoffBody(await bindTenant(c, s.token)),
        };
      },
    },
    {
      name: 'POST /api/v1/connections/:id/token',
      method: 'POST',
      rule: { apiKey: 'connections:token' },
      ok: [409],
      prepare: async () => ({ url: `/api/v1/connections/${shared.id}/token` }),
    },
    {
      name: 'GET /api/v1/api-keys',
      method: 'GET',
      rule: { staff: 'read' },
      ok: [200],
      prepare: async () => ({ url: '/api/v1/api-keys' }),
    },
    {
      name: 'POST /api/v1/api-keys',
      method: 'POST',
      rule: { staff: 'manage' },
      ok: [201],
      prepare: async () => ({ url: '/api/v1/api-keys', payload: { name: 'm', scopes: ['setups:read'] } }),
    },
    {
      name: 'POST /api/v1/api-keys/:id/revoke',
      method: 'POST',
      rule: { staff: 'manage' },
      ok: [200],
      prepare: async (c) => {
        const r = await c.call({
          method: 'POST',
          url: '/api/v1/api-keys',
          headers: bearer(c.staffManage),
          payload: { name: 'tmp', scopes: ['setups:read'] },
        });
        return { url: `/api/v1/api-keys/${r.json<{ apiKey: { id: string } }>().apiKey.id}/revoke` };
      },
    },
    {
      name: 'GET /api/v1/webhooks',
      method: 'GET',
      rule: { staff: 'read', apiKey: 'webhooks:manage' },
      ok: [200],
      prepare: async () => ({ url: '/api/v1/webhooks' }),
    },
    {
      name: 'POST /api/v1/webhooks',
      method: 'POST',
      rule: { staff: 'manage', apiKey: 'webhooks:manage' },
      ok: [201],
      prepare: async () => ({
        url: '/api/v1/webhooks',
        payload: { url: receiverUrl, events: ['setup.failed'] },
      }),
    },
    {
      name: 'DELETE /api/v1/webhooks/:id',
      method: 'DELETE',
      rule: { staff: 'manage', apiKey: 'webhooks:manage' },
      ok: [204],
      prepare: async (c, caller) => ({ url: `/api/v1/webhooks/${await webhookFor(c, caller)}` }),
    },
    {
      name: 'POST /api/v1/webhooks/:id/test',
      method: 'POST',
      rule: { staff: 'manage', apiKey: 'webhooks:manage' },
      ok: [200],
      prepare: async (c, caller) => ({ url: `/api/v1/webhooks/${await webhookFor(c, caller)}/test` }),
    },
    {
      name: 'GET /api/v1/webhooks/:id/deliveries',
      method: 'GET',
      rule: { staff: 'read', apiKey: 'webhooks:manage' },
      ok: [200],
      prepare: async (c, caller) => ({ url: `/api/v1/webhooks/${await webhookFor(c, caller)}/deliveries` }),
    },
    {
      name: 'GET /api/v1/audit',
      method: 'GET',
      rule: { staff: 'read' },
      ok: [200],
      prepare: async () => ({ url: '/api/v1/audit' }),
    },
    {
      name: 'GET /api/v1/audit/actions',
      method: 'GET',
      rule: { staff: 'read' },
      ok: [200],
      prepare: async () => ({ url: '/api/v1/audit/actions' }),
    },
    {
      name: 'GET /api/v1/audit/export',
      method: 'GET',
      rule: { staff: 'read' },
      ok: [200],
      prepare: async () => ({ url: '/api/v1/audit/export' }),
    },
    {
      name: 'PATCH /api/v1/webhooks/:id',
      method: 'PATCH',
      rule: { staff: 'manage', apiKey: 'webhooks:manage' },
      ok: [200],
      prepare: async (c, caller) => ({
        url: `/api/v1/webhooks/${await webhookFor(c, caller)}`,
        payload: { description: 'edited', paused: true },
      }),
    },
    {
      name: 'POST /api/v1/webhooks/:id/rotate-secret',
      method: 'POST',
      rule: { staff: 'manage', apiKey: 'webhooks:manage' },
      ok: [200],
      prepare: async (c, caller) => ({
        url: `/api/v1/webhooks/${await webhookFor(c, caller)}/rotate-secret`,
      }),
    },
    {
      name: 'POST /api/v1/webhooks/:id/deliveries/:deliveryId/redeliver',
      method: 'POST',
      rule: { staff: 'manage', apiKey: 'webhooks:manage' },
      ok: [202],
      prepare: async (c, caller) => {
        const id = await webhookFor(c, caller);
        const asKey = caller.kind === 'key' && caller.scopes?.includes('webhooks:manage');
        const sent = await c.call({
          method: 'POST',
          url: `/api/v1/webhooks/${id}/test`,
          headers: { authorization: asKey ? caller.header()! : `Bearer ${c.staffManage}` },
        });
        return { url: `/api/v1/webhooks/${id}/deliveries/${sent.json<{ id: string }>().id}/redeliver` };
      },
    },
  ];

  it("GET /api/v1/wizard/setup › another setup's token reads its own setup, never the prepared one", async () => {
    const res = await ctx.call({ method: 'GET', url: '/api/v1/wizard/setup', headers: bearer(other.token) });
    expect(res.json<{ id: string }>().id).toBe(other.id);
    expect(other.token).not.toBe(shared.token);
  });

  for (const route of routes) {
    it(`${route.name} › answers every kind of caller as its rule says`, async () => {
      const outcomes: string[] = [];
      for (const caller of callers) {
        const prepared = await route.prepare(ctx, caller);
        const token =
          caller.kind === 'setup' && !caller.ownToken ? (prepared.setupToken ?? shared.token) : undefined;
        const authorization = token ? `Bearer ${token}` : caller.header();
        let status: number;
        let body = '';
        if (route.sse) {
          status = await sseStatus(ctx.app, prepared.url, authorization);
        } else {
          const res = await ctx.call({
            method: route.method,
            url: prepared.url,
            headers: authorization ? { authorization } : {},
            ...(prepared.payload !== undefined ? { payload: prepared.payload as object } : {}),
          });
          status = res.statusCode;
          body = res.body;
          if (status >= 400) expect(ApiErrorSchema.safeParse(JSON.parse(body)).success).toBe(true);
        }
        const want = expected(route, caller);
        if (!want.includes(status))
          outcomes.push(`${caller.name}: got ${status}, want ${want.join('/')} ${body.slice(0, 200)}`);
      }
      expect(outcomes).toEqual([]);
    });
  }
});
