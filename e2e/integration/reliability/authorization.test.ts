import http from 'node:http';
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiErrorSchema } from '@kantiv/shared/errors';
import { eventually } from './support/timing.ts';
import { type EmulatorProc } from './support/emulator-process.ts';
import { provision, signIn } from './support/microsoft-flows.ts';
import { type StaffIssuer } from './support/staff-issuer.ts';
import { type PgDatabase } from './support/postgres.ts';
import { newApiKey, newKey, startServer, type ServerProc } from './support/server-process.ts';
import { apiClient } from './support/api-client.ts';
import {
  SCOPES,
  allowed,
  expected,
  type Caller,
  type Row,
  type Scope,
} from './support/authorization-rules.ts';
import { readRouteTable, statusLineOf } from './support/route-table.ts';
import { createSetup, handoffBody, signInFor, stateOf, wizardUpTo } from './support/setup-flows.ts';
import { startWorld, stopWorld } from './support/world.ts';

/**
 * The authorization matrix over real HTTP against a server process, generated from the route table: the routes
 * come from the server's own OpenAPI document (every registered route, plus the HEAD twin of every GET), and a
 * route without a row here fails the suite — a new route cannot escape the matrix. Callers go beyond the server's
 * in-process matrix: expired staff tokens, revoked setups, an API key with every scope, credentials of one kind
 * on another kind's routes.
 */
const responses: string[] = [];
const api = apiClient(responses);
const bootstrapKey = newApiKey();
let db: PgDatabase;
let emu: EmulatorProc;
let issuer: StaffIssuer;
let server: ServerProc;
let receiver: http.Server;
let receiverUrl: string;
const t: Record<string, string> = {};
const keys = new Map<string, string>();
let shared: { id: string; token: string };
let verifiedId = '';
let idToken = '';

const call = (method: string, url: string, token?: string, body?: unknown) =>
  api.call(server.base, method, url, { token, body });

const routeTable = () => readRouteTable(api, server.base);
const statusOnly = (method: string, url: string, authorization: string | undefined) =>
  statusLineOf(server.base, method, url, authorization);

beforeAll(async () => {
  const world = await startWorld('kc-rel-authz-');
  ({ db, emu, issuer } = world);
  receiver = http.createServer((_req, res) => res.writeHead(204).end());
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;
  server = await startServer('authz', {
    ...world.env,
    KANTIV_KEYS: newKey('k1'),
    KANTIV_BOOTSTRAP_API_KEY: bootstrapKey,
    // Hand-offs made by the matrix carry made-up credentials: let their verification fail fast.
    VERIFICATION_MAX_WAIT_SECONDS: '1',
    // The webhook receiver is this file's own, on 127.0.0.1: the tests-only loopback allowance, explicitly.
    WEBHOOK_ALLOW_LOOPBACK: 'true',
  });
  t.staffManage = await issuer.token(['Connect.Manage']);
  t.staffRead = await issuer.token(['Connect.Read']);
  t.staffNone = await issuer.token([]);
  t.staffExpired = await issuer.token(['Connect.Manage'], { expired: true });
  t.staffForged = await issuer.token(['Connect.Manage'], { forged: true });
  for (const scope of SCOPES) keys.set(scope, await newKeyWith([scope]));
  t.allScopes = await newKeyWith(SCOPES);
  const revoked = await call('POST', '/api/v1/api-keys', t.staffManage, { name: 'revoked', scopes: SCOPES });
  t.revokedKey = revoked.json<{ key: string }>().key;
  await call(
    'POST',
    `/api/v1/api-keys/${revoked.json<{ apiKey: { id: string } }>().apiKey.id}/revoke`,
    t.staffManage,
  );
  shared = await createSetup(api, server.base, bootstrapKey);
  t.other = (await createSetup(api, server.base, bootstrapKey)).token;
  const expired = await createSetup(api, server.base, bootstrapKey);
  await db.query(`update setups set invite_expires_at = $1 where id = $2`, [
    new Date(Date.now() - 1000).toISOString(),
    expired.id,
  ]);
  t.expiredSetup = expired.token;
  const revokedSetup = await createSetup(api, server.base, bootstrapKey);
  await call('POST', `/api/v1/setups/${revokedSetup.id}/revoke`, t.staffManage);
  t.revokedSetup = revokedSetup.token;
  idToken = await signIn(emu);
  // One real, verified connection, so token vending answers 200 to those allowed to call it.
  const p = await provision(emu);
  const v = await createSetup(api, server.base, bootstrapKey);
  await wizardUpTo(api, server.base, v.token, emu, p);
  expect((await call('POST', '/api/v1/wizard/credentials', v.token, handoffBody(emu, p))).status).toBe(202);
  await eventually(
    () => stateOf(api, server.base, bootstrapKey, v.id),
    (s) => s === 'verified',
    60_000,
  );
  verifiedId = v.id;
}, 180_000);

afterAll(async () => {
  await stopWorld();
  await new Promise<void>((r) => (receiver ? receiver.close(() => r()) : r()));
});

async function newKeyWith(scopes: Scope[]): Promise<string> {
  const r = await call('POST', '/api/v1/api-keys', t.staffManage, { name: scopes.join('+'), scopes });
  return r.json<{ key: string }>().key;
}

const callers: Caller[] = [
  { name: 'no credentials', kind: 'none', auth: () => undefined },
  { name: 'a Basic header', kind: 'none', auth: () => 'Basic dXNlcjpwYXNz' },
  { name: 'an empty bearer', kind: 'none', auth: () => 'Bearer ' },
  { name: 'a wrong setup token', kind: 'bad', auth: () => `Bearer ${randomBytes(32).toString('base64url')}` },
  { name: 'an expired staff token', kind: 'bad', auth: () => `Bearer ${t.staffExpired}` },
  { name: 'a forged staff token', kind: 'bad', auth: () => `Bearer ${t.staffForged}` },
  { name: 'an expired setup token', kind: 'bad', auth: () => `Bearer ${t.expiredSetup}` },
  { name: "a revoked setup's token", kind: 'bad', auth: () => `Bearer ${t.revokedSetup}` },
  { name: 'a revoked API key', kind: 'bad', auth: () => `Bearer ${t.revokedKey}` },
  { name: 'an unknown API key', kind: 'bad', auth: () => `Bearer ${newApiKey()}` },
  { name: 'a valid setup token', kind: 'setup', auth: () => undefined },
  { name: "another setup's token", kind: 'setup', auth: () => `Bearer ${t.other}` },
  { name: 'staff without a role', kind: 'staff', roles: [], auth: () => `Bearer ${t.staffNone}` },
  { name: 'staff read-only', kind: 'staff', roles: ['Connect.Read'], auth: () => `Bearer ${t.staffRead}` },
  { name: 'staff manage', kind: 'staff', roles: ['Connect.Manage'], auth: () => `Bearer ${t.staffManage}` },
  ...SCOPES.map((scope): Caller => ({
    name: `an API key with only ${scope}`,
    kind: 'key',
    scopes: [scope],
    auth: () => `Bearer ${keys.get(scope)}`,
  })),
  { name: 'an API key with every scope', kind: 'key', scopes: SCOPES, auth: () => `Bearer ${t.allScopes}` },
];

const fresh = () => createSetup(api, server.base, bootstrapKey);
async function boundSetup() {
  const s = await fresh();
  const r = await call('POST', '/api/v1/wizard/identity', s.token, {
    idToken: await signInFor(api, server.base, s.token, emu),
  });
  expect(r.status, r.text).toBe(200);
  return s;
}
const credentialBody = () => ({
  idempotencyKey: randomUUID(),
  source: 'manual',
  tenantId: emu.tenants.contoso,
  clientId: randomUUID(),
  clientSecret: `Zz8Q~${randomBytes(24).toString('base64url')}`,
  environmentUrl: emu.org.url,
});
async function webhook(caller: Caller, succeeds: boolean) {
  const owner = succeeds && caller.kind === 'key' ? caller.auth()!.slice(7) : t.staffManage;
  const r = await call('POST', '/api/v1/webhooks', owner, { url: receiverUrl, events: ['setup.verified'] });
  return r.json<{ subscription: { id: string } }>().subscription.id;
}
const read = { staff: 'read', apiKey: 'setups:read' } as const;
const write = { staff: 'manage', apiKey: 'setups:write' } as const;
const stepEvents = {
  events: [{ seq: 1, step: 'preflight', status: 'running', at: new Date().toISOString(), message: 'x' }],
};

/**
 * "Another setup's token" may belong to a setup handed off by an earlier row (the credentials row binds one), and the
 * wizard writes nothing after the hand-off (409): give the caller a live setup's token for the wizard's writes.
 */
const certificateFor = () => ({
  tenantId: emu.tenants.contoso,
  clientId: randomUUID(),
  environmentUrl: emu.org.url,
});
/** A wizard write an allowed caller makes on a setup bound to its tenant (another setup's token: its own). */
async function onBoundSetup(c: Caller, ok: boolean, url: string, body: unknown) {
  if (!ok) return { url, setupToken: shared.token, body };
  const s = await boundSetup();
  if (c.name === "another setup's token") t.other = s.token;
  return { url, setupToken: s.token, body };
}

async function liveOtherToken(c: Caller): Promise<void> {
  if (c.name === "another setup's token") t.other = (await fresh()).token;
}

/** One row per route: who may call it, its success status, and a request that succeeds for an allowed caller. */
const MATRIX: Record<string, Row> = {
  'GET /healthz': { rule: 'public', ok: 200, prepare: async () => ({ url: '/healthz' }) },
  'GET /readyz': { rule: 'public', ok: 200, prepare: async () => ({ url: '/readyz' }) },
  'GET /metrics': { rule: 'metrics_token', ok: 200, prepare: async () => ({ url: '/metrics' }) },
  'GET /api/v1/client-config': {
    rule: 'public',
    ok: 200,
    prepare: async () => ({ url: '/api/v1/client-config' }),
  },
  'POST /api/v1/setups': {
    rule: write,
    ok: 201,
    prepare: async () => ({ url: '/api/v1/setups', body: { customerName: 'Matrix' } }),
  },
  'GET /api/v1/setups': { rule: read, ok: 200, prepare: async () => ({ url: '/api/v1/setups' }) },
  'GET /api/v1/setups/export': {
    rule: read,
    ok: 200,
    prepare: async () => ({ url: '/api/v1/setups/export?q=matrix' }),
  },
  'GET /api/v1/setups/:id': {
    rule: read,
    ok: 200,
    prepare: async () => ({ url: `/api/v1/setups/${shared.id}` }),
  },
  'GET /api/v1/setups/:id/status': {
    rule: read,
    ok: 200,
    prepare: async () => ({ url: `/api/v1/setups/${shared.id}/status` }),
  },
  'GET /api/v1/setups/:id/health': {
    rule: read,
    ok: 200,
    prepare: async () => ({ url: `/api/v1/setups/${shared.id}/health` }),
  },
  'GET /api/v1/setups/:id/events': {
    rule: read,
    ok: 200,
    prepare: async () => ({ url: `/api/v1/setups/${shared.id}/events` }),
  },
  'POST /api/v1/setups/:id/revoke': {
    rule: write,
    ok: 200,
    prepare: async (_c, ok) => ({ url: `/api/v1/setups/${ok ? (await fresh()).id : shared.id}/revoke` }),
  },
  // A setup the admin signed in to (an invited one has nothing to disconnect); a fresh one per allowed caller.
  'POST /api/v1/setups/:id/disconnect': {
    rule: write,
    ok: 200,
    prepare: async (_c, ok) => ({
      url: `/api/v1/setups/${ok ? (await boundSetup()).id : shared.id}/disconnect`,
    }),
  },
  'POST /api/v1/setups/:id/extend': {
    rule: write,
    ok: 200,
    prepare: async () => ({ url: `/api/v1/setups/${shared.id}/extend`, body: { hours: 1 } }),
  },
  'POST /api/v1/setups/:id/reverify': {
    rule: write,
    ok: 202,
    prepare: async () => ({ url: `/api/v1/setups/${verifiedId}/reverify` }),
  },
  // The verified connection here holds a client secret, which the server cannot rotate: an allowed caller gets
  // past authorization to the 409 (certificate-rotation.test.ts covers the 202).
  'POST /api/v1/setups/:id/credential/rotate': {
    rule: write,
    ok: 409,
    prepare: async () => ({ url: `/api/v1/setups/${verifiedId}/credential/rotate` }),
  },
  'POST /api/v1/setups/:id/invite': {
    rule: write,
    ok: 200,
    prepare: async (_c, ok) => ({ url: `/api/v1/setups/${ok ? (await fresh()).id : shared.id}/invite` }),
  },
  // A renewal link for the verified connection (a re-verification in another row may still be under way: wait).
  'POST /api/v1/setups/:id/links': {
    rule: write,
    ok: 201,
    prepare: async () => {
      await eventually(
        () => stateOf(api, server.base, bootstrapKey, verifiedId),
        (s) => s === 'verified',
        60_000,
      );
      return { url: `/api/v1/setups/${verifiedId}/links`, body: { purpose: 'renew' } };
    },
  },
  'GET /api/v1/wizard/setup': {
    rule: 'setup_token',
    ok: 200,
    prepare: async () => ({ url: '/api/v1/wizard/setup', setupToken: shared.token }),
  },
  'POST /api/v1/wizard/identity': {
    rule: 'setup_token',
    ok: 200,
    prepare: async (c, ok) => {
      await liveOtherToken(c);
      const setupToken = ok ? (await fresh()).token : shared.token;
      // An allowed caller signs in for the setup it calls with (its nonce); the others never get past the token.
      const binding = (c.name === "another setup's token" ? t.other : undefined) ?? setupToken;
      return {
        url: '/api/v1/wizard/identity',
        setupToken,
        body: { idToken: ok ? await signInFor(api, server.base, binding, emu) : idToken },
      };
    },
  },
  'POST /api/v1/wizard/events': {
    rule: 'setup_token',
    ok: 200,
    prepare: async (c) => {
      await liveOtherToken(c);
      return { url: '/api/v1/wizard/events', setupToken: shared.token, body: stepEvents };
    },
  },
  'POST /api/v1/wizard/credentials': {
    rule: 'setup_token',
    ok: 202,
    prepare: (c, ok) => onBoundSetup(c, ok, '/api/v1/wizard/credentials', credentialBody()),
  },
  'POST /api/v1/wizard/moments': {
    rule: 'setup_token',
    ok: 200,
    prepare: async (c) => {
      await liveOtherToken(c);
      return { url: '/api/v1/wizard/moments', setupToken: shared.token, body: { moment: 'stopped' } };
    },
  },
  'POST /api/v1/wizard/certificate': {
    rule: 'setup_token',
    ok: 201,
    prepare: (c, ok) =>
      onBoundSetup(c, ok, '/api/v1/wizard/certificate', { ...certificateFor(), lifetimeDays: 365 }),
  },
  'POST /api/v1/wizard/repaired': {
    rule: 'setup_token',
    ok: 204,
    prepare: async (c, ok) => {
      const url = '/api/v1/wizard/repaired';
      if (!ok) return { url, setupToken: shared.token, body: {} };
      // A setup in use with drift and a live repair link, written directly: the route only reads those columns.
      const s = await createSetup(api, server.base, bootstrapKey);
      await db.query(
        `update setups set state = 'verified', credential_kind = 'certificate', health = 'broken',
           link_purpose = 'repair', link_expires_at = $1 where id = $2`,
        [new Date(Date.now() + 3_600_000).toISOString(), s.id],
      );
      if (c.name === "another setup's token") t.other = s.token;
      return { url, setupToken: s.token, body: {} };
    },
  },
  'POST /api/v1/wizard/disconnect': {
    rule: 'setup_token',
    ok: 200,
    prepare: async (c, ok) => {
      const body = (idToken: string) => ({
        idToken,
        removed: { applicationUser: 'absent', securityRole: 'absent', appRegistration: 'absent' },
      });
      if (!ok) return { url: '/api/v1/wizard/disconnect', setupToken: shared.token, body: body(idToken) };
      // An allowed caller holds a disconnect link of a setup bound to its tenant (another setup's token: its own).
      const s = await boundSetup();
      const link = await call('POST', `/api/v1/setups/${s.id}/links`, bootstrapKey, {
        purpose: 'disconnect',
      });
      expect(link.status, link.text).toBe(201);
      const token = new URLSearchParams(new URL(link.json<{ url: string }>().url).hash.slice(1)).get(
        'token',
      )!;
      if (c.name === "another setup's token") t.other = token;
      const signIn = await signInFor(api, server.base, token, emu);
      return { url: '/api/v1/wizard/disconnect', setupToken: token, body: body(signIn) };
    },
  },
  'POST /api/v1/wizard/environment-check': {
    rule: 'setup_token',
    ok: 200,
    prepare: (c, ok) =>
      onBoundSetup(c, ok, '/api/v1/wizard/environment-check', {
        environmentUrl: 'https://contoso.crm.dynamics.com',
      }),
  },
  'POST /api/v1/connections/:id/token': {
    rule: { apiKey: 'connections:token' },
    ok: 200,
    prepare: async () => ({ url: `/api/v1/connections/${verifiedId}/token` }),
  },
  'GET /api/v1/api-keys': {
    rule: { staff: 'read' },
    ok: 200,
    prepare: async () => ({ url: '/api/v1/api-keys' }),
  },
  'POST /api/v1/api-keys': {
    rule: { staff: 'manage' },
    ok: 201,
    prepare: async () => ({ url: '/api/v1/api-keys', body: { name: 'm', scopes: ['setups:read'] } }),
  },
  'POST /api/v1/api-keys/:id/revoke': {
    rule: { staff: 'manage' },
    ok: 200,
    prepare: async () => {
      const r = await call('POST', '/api/v1/api-keys', t.staffManage, {
        name: 'tmp',
        scopes: ['setups:read'],
      });
      return { url: `/api/v1/api-keys/${r.json<{ apiKey: { id: string } }>().apiKey.id}/revoke` };
    },
  },
  'GET /api/v1/webhooks': {
    rule: { staff: 'read', apiKey: 'webhooks:manage' },
    ok: 200,
    prepare: async () => ({ url: '/api/v1/webhooks' }),
  },
  'POST /api/v1/webhooks': {
    rule: { staff: 'manage', apiKey: 'webhooks:manage' },
    ok: 201,
    prepare: async () => ({ url: '/api/v1/webhooks', body: { url: receiverUrl, events: ['setup.failed'] } }),
  },
  'DELETE /api/v1/webhooks/:id': {
    rule: { staff: 'manage', apiKey: 'webhooks:manage' },
    ok: 204,
    prepare: async (c, ok) => ({ url: `/api/v1/webhooks/${await webhook(c, ok)}` }),
  },
  'POST /api/v1/webhooks/:id/test': {
    rule: { staff: 'manage', apiKey: 'webhooks:manage' },
    ok: 200,
    prepare: async (c, ok) => ({ url: `/api/v1/webhooks/${await webhook(c, ok)}/test` }),
  },
  'GET /api/v1/webhooks/:id/deliveries': {
    rule: { staff: 'read', apiKey: 'webhooks:manage' },
    ok: 200,
    prepare: async (c, ok) => ({ url: `/api/v1/webhooks/${await webhook(c, ok)}/deliveries` }),
  },
  'GET /api/v1/audit': { rule: { staff: 'read' }, ok: 200, prepare: async () => ({ url: '/api/v1/audit' }) },
  'GET /api/v1/audit/actions': {
    rule: { staff: 'read' },
    ok: 200,
    prepare: async () => ({ url: '/api/v1/audit/actions' }),
  },
  'GET /api/v1/audit/export': {
    rule: { staff: 'read' },
    ok: 200,
    prepare: async () => ({ url: '/api/v1/audit/export' }),
  },
  'PATCH /api/v1/webhooks/:id': {
    rule: { staff: 'manage', apiKey: 'webhooks:manage' },
    ok: 200,
    prepare: async (c, ok) => ({
      url: `/api/v1/webhooks/${await webhook(c, ok)}`,
      body: { description: 'edited', paused: true },
    }),
  },
  'POST /api/v1/webhooks/:id/rotate-secret': {
    rule: { staff: 'manage', apiKey: 'webhooks:manage' },
    ok: 200,
    prepare: async (c, ok) => ({ url: `/api/v1/webhooks/${await webhook(c, ok)}/rotate-secret` }),
  },
  'POST /api/v1/webhooks/:id/deliveries/:deliveryId/redeliver': {
    rule: { staff: 'manage', apiKey: 'webhooks:manage' },
    ok: 202,
    prepare: async (c, ok) => {
      const id = await webhook(c, ok);
      const owner = ok && c.kind === 'key' ? c.auth()!.slice(7) : t.staffManage;
      const sent = await call('POST', `/api/v1/webhooks/${id}/test`, owner);
      return { url: `/api/v1/webhooks/${id}/deliveries/${sent.json<{ id: string }>().id}/redeliver` };
    },
  },
};

describe('authorization matrix over HTTP, generated from the route table', { timeout: 300_000 }, () => {
  it('every route the server registers has a row in the matrix, and every row is a registered route', async () => {
    const table = await routeTable();
    const rows = Object.keys(MATRIX);
    expect(table.filter((r) => !rows.includes(r.replace(/^HEAD/, 'GET')))).toEqual([]);
    expect(rows.filter((r) => !table.includes(r))).toEqual([]);
    // Every GET route has its HEAD twin, except the event stream, which opts out.
    expect(rows.filter((r) => r.startsWith('GET ') && !table.includes(r.replace(/^GET/, 'HEAD')))).toEqual([
      'GET /api/v1/setups/:id/events',
    ]);
  });

  it('every route × every kind of caller answers 2xx / 401 / 403 as its rule says (GET and HEAD)', async () => {
    const table = await routeTable();
    const failures: string[] = [];
    let checked = 0;
    let last = '';
    for (const route of table) {
      const method = route.split(' ')[0]!;
      const row = MATRIX[route.replace(/^HEAD/, 'GET')]!;
      for (const caller of callers) {
        const succeeds = allowed(row.rule, caller);
        const prepared = await row.prepare(caller, succeeds);
        const authorization =
          caller.kind === 'setup' && caller.name === 'a valid setup token'
            ? `Bearer ${prepared.setupToken ?? shared.token}`
            : caller.auth();
        const want = expected(row.rule, caller, row.ok);
        let status: number;
        if (route === 'GET /api/v1/setups/:id/events' || method === 'HEAD') {
          last = '';
          status = await statusOnly(method, prepared.url, authorization);
        } else {
          const res = await api.call(server.base, method, prepared.url, {
            headers: authorization ? { authorization } : {},
            ...(prepared.body !== undefined ? { body: prepared.body } : {}),
          });
          status = res.status;
          last = res.text;
          if (status >= 400 && !ApiErrorSchema.safeParse(res.json()).success)
            failures.push(`${route} as ${caller.name}: error body not in the shared shape: ${res.text}`);
          if (
            route === 'GET /api/v1/wizard/setup' &&
            caller.name === "another setup's token" &&
            status === 200
          )
            expect(res.json<{ id: string }>().id).not.toBe(shared.id);
        }
        checked += 1;
        if (process.env.MATRIX_DEBUG) console.error(route, caller.name, status);
        if (status !== want)
          failures.push(`${route} as ${caller.name}: got ${status}, want ${want} ${last.slice(0, 200)}`);
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBe(table.length * callers.length);
  });

  it('the server never answered a 5xx and still serves', async () => {
    expect(server.proc.output.join('')).not.toMatch(/"statusCode":5\d\d/);
    expect((await call('GET', '/healthz')).status).toBe(200);
  });
});
