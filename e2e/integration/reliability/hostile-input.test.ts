import net from 'node:net';
import http from 'node:http';
import { randomBytes, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiErrorSchema } from '@kantiv/shared/errors';
import { invariantViolations, takeSnapshot, type Snapshot } from './support/db-consistency.ts';
import { hostile, hostileAuthorization } from './support/hostile-values.ts';
import { readOperations, type Operation } from './support/openapi.ts';
import { type StaffIssuer } from './support/staff-issuer.ts';
import { type PgDatabase } from './support/postgres.ts';
import { newApiKey, newKey, startServer, type ServerProc } from './support/server-process.ts';
import { apiClient } from './support/api-client.ts';
import { createSetup } from './support/setup-flows.ts';
import { startWorld, stopWorld } from './support/world.ts';

/**
 * Hostile input against a real server process on PostgreSQL, every route taken from the server's own OpenAPI
 * document: fast-check bodies (from each route's schema properties), path parameters, query strings and headers;
 * then raw-socket abuse (huge headers, duplicate and non-UTF-8 Authorization, invalid UTF-8 and deeply nested
 * JSON, oversized and lying bodies, wrong content types, smuggling-shaped framing). Properties: no 5xx, every
 * error in the shared shape, the process stays up, and the database stays consistent (invariants, append-only
 * history untouched, row counts explained by the requests that succeeded).
 */
const api = apiClient([]);
const apiKey = newApiKey();
let db: PgDatabase;
let issuer: StaffIssuer;
let server: ServerProc;
let staff: string;
let setup: { id: string; token: string };
let operations: Operation[] = [];
const created = { setups: 0, api_keys: 0, webhook_subscriptions: 0, credentials: 0 };
const fiveHundreds: string[] = [];
const badShapes: string[] = [];
let before: Snapshot;

const snapshot = () => takeSnapshot(db);
const invariants = () => invariantViolations(db, 'k1');

beforeAll(async () => {
  const world = await startWorld('kc-rel-hostile-', { emulator: false });
  ({ db, issuer } = world);
  server = await startServer('hostile', {
    ...world.env,
    KANTIV_KEYS: newKey('k1'),
    KANTIV_BOOTSTRAP_API_KEY: apiKey,
    JOBS_ENABLED: 'false',
    LOG_LEVEL: 'warn',
  });
  staff = await issuer.token(['Connect.Manage']);
  setup = await createSetup(api, server.base, apiKey);
  // Bind the setup to a tenant as identity binding would, so hand-off bodies reach the deepest checks.
  await db.query(`update setups set tenant_id = $1, state = 'in_progress' where id = $2`, [
    randomUUID(),
    setup.id,
  ]);
  operations = await readOperations(api, server.base);
  before = await snapshot();
}, 120_000);

afterAll(stopWorld);

const authFor = (path: string) => hostileAuthorization(path, { setupToken: setup.token, staff, apiKey });

async function send(op: Operation, url: string, headers: Record<string, string>, body: string | undefined) {
  const sse = op.path.endsWith('/events') && op.method === 'GET';
  const res = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = http.request(`${server.base}${url}`, { method: op.method, headers }, (r) => {
      if (sse && r.statusCode === 200) {
        resolve({ status: 200, text: '' });
        req.destroy();
        return;
      }
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => resolve({ status: r.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
  const where = `${op.method} ${url.slice(0, 120)} → ${res.status}`;
  if (res.status >= 500) fiveHundreds.push(`${where} ${res.text.slice(0, 200)}`);
  if (res.status >= 400 && op.method !== 'HEAD') {
    let ok = false;
    try {
      ok = ApiErrorSchema.safeParse(JSON.parse(res.text)).success;
    } catch {
      ok = false;
    }
    if (!ok) badShapes.push(`${where} ${res.text.slice(0, 200)}`);
  }
  if (res.status >= 200 && res.status < 300) {
    const key =
      op.path === '/api/v1/setups' && op.method === 'POST'
        ? 'setups'
        : op.path === '/api/v1/api-keys' && op.method === 'POST'
          ? 'api_keys'
          : op.path === '/api/v1/webhooks' && op.method === 'POST'
            ? 'webhook_subscriptions'
            : op.path === '/api/v1/wizard/credentials'
              ? 'credentials'
              : undefined;
    if (key) created[key] += 1;
  }
  return res.status;
}

describe('hostile input over HTTP', { timeout: 300_000 }, () => {
  it('fast-check: every route with hostile bodies, path parameters, query strings and headers answers 2xx/3xx/4xx, never 5xx', async () => {
    expect(operations.length).toBeGreaterThanOrEqual(25);
    for (const op of operations) {
      const segment = fc.oneof(
        fc.uuid().map(String),
        fc.string({ maxLength: 300 }),
        fc.constantFrom('..', '%2e%2e', '%00', '%ZZ', ' ', setup.id),
      );
      const query = fc.dictionary(
        fc.constantFrom(...op.query, 'x', '__proto__'),
        fc.oneof(
          fc.string({ maxLength: 300 }),
          fc.constantFrom('-1', '1e999', 'NaN', '99999999999999999999'),
        ),
        { maxKeys: 4 },
      );
      const body =
        op.bodyKeys === undefined
          ? fc.constant(undefined)
          : fc.oneof(
              fc.dictionary(fc.constantFrom(...op.bodyKeys, '__proto__', 'extra'), hostile, {
                maxKeys: op.bodyKeys.length + 2,
              }),
              fc.jsonValue({ maxDepth: 4 }),
            );
      const headers = fc.record({
        authorization: authFor(op.path),
        'if-none-match': fc.oneof(
          fc.constant('"1"'),
          fc.string({ maxLength: 200 }).filter((s) => /^[\x20-\x7e]*$/.test(s)),
        ),
        'last-event-id': fc.oneof(fc.constantFrom('-1', '0', '1e309', 'abc'), fc.nat().map(String)),
        accept: fc.constantFrom('application/json', 'text/event-stream', '*/*', 'text/html'),
      });
      await fc.assert(
        fc.asyncProperty(segment, query, body, headers, async (id, q, b, h) => {
          const url = `${op.path.replace(/\{\w+\}/g, encodeURIComponent(id))}?${new URLSearchParams(q).toString()}`;
          const payload = b === undefined ? undefined : JSON.stringify(b);
          await send(
            op,
            url,
            { ...h, ...(payload !== undefined ? { 'content-type': 'application/json' } : {}) },
            payload,
          );
        }),
        { numRuns: 30 },
      );
    }
    expect(fiveHundreds).toEqual([]);
    expect(badShapes).toEqual([]);
  });

  it('raw HTTP abuse: huge and duplicate headers, invalid UTF-8, deep JSON, oversized and lying bodies, wrong types', async () => {
    const port = Number(new URL(server.base).port);
    /** Writes raw bytes, returns the status line's code (0 when the server just closed the connection). */
    const raw = (bytes: Buffer | string, waitMs = 10_000) =>
      new Promise<number>((resolve) => {
        const socket = net.connect(port, '127.0.0.1');
        let data = '';
        const done = () => {
          socket.destroy();
          resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0));
        };
        socket.setTimeout(waitMs, done);
        socket.on('data', (c: Buffer) => {
          data += c.toString('latin1');
          if (/\r\n\r\n/.test(data)) done();
        });
        socket.on('error', done);
        socket.on('close', done);
        socket.write(bytes);
      });
    const json = (path: string, body: Buffer | string, extra = '', auth = `Bearer ${staff}`) => {
      const b = Buffer.isBuffer(body) ? body : Buffer.from(body);
      return Buffer.concat([
        Buffer.from(
          `POST ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth}\r\nContent-Type: application/json\r\nContent-Length: ${b.length}\r\n${extra}Connection: close\r\n\r\n`,
        ),
        b,
      ]);
    };
    const results: Record<string, number> = {};
    results['100 KB header'] = await raw(
      `GET /api/v1/setups HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(100_000)}\r\nConnection: close\r\n\r\n`,
    );
    results['5,000 headers'] = await raw(
      `GET /api/v1/setups HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 5000 }, (_, i) => `X-H${i}: v`).join('\r\n')}\r\nConnection: close\r\n\r\n`,
    );
    results['100 KB URL'] = await raw(
      `GET /api/v1/setups?q=${'a'.repeat(100_000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    );
    results['duplicate Authorization (valid, then forged)'] = await raw(
      `GET /api/v1/setups HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${staff}\r\nAuthorization: Bearer ${newApiKey()}\r\nConnection: close\r\n\r\n`,
    );
    results['duplicate Authorization (forged, then valid)'] = await raw(
      `GET /api/v1/setups HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${newApiKey()}\r\nAuthorization: Bearer ${staff}\r\nConnection: close\r\n\r\n`,
    );
    results['non-UTF-8 Authorization'] = await raw(
      Buffer.concat([
        Buffer.from('GET /api/v1/setups HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer '),
        Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0x80]),
        Buffer.from('\r\nConnection: close\r\n\r\n'),
      ]),
    );
    results['non-UTF-8 setup token'] = await raw(
      Buffer.concat([
        Buffer.from('GET /api/v1/wizard/setup HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer '),
        Buffer.from(randomBytes(43).map((b) => b | 0x80)),
        Buffer.from('\r\nConnection: close\r\n\r\n'),
      ]),
    );
    results['invalid UTF-8 JSON body'] = await raw(
      json(
        '/api/v1/setups',
        Buffer.concat([
          Buffer.from('{"customerName":"'),
          Buffer.from([0xff, 0xfe, 0xc3, 0x28]),
          Buffer.from('"}'),
        ]),
      ),
    );
    results['JSON nested 30,000 deep'] = await raw(
      json('/api/v1/setups', `${'['.repeat(30_000)}${']'.repeat(30_000)}`),
    );
    results['JSON objects nested 10,000 deep'] = await raw(
      json('/api/v1/setups', `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`),
    );
    results['1 MB body'] = await raw(
      json('/api/v1/setups', JSON.stringify({ customerName: 'x'.repeat(1_000_000) })),
    );
    results['Content-Length larger than the body'] = await raw(
      `POST /api/v1/setups HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${staff}\r\nContent-Type: application/json\r\nContent-Length: 5000\r\nConnection: close\r\n\r\n{"customerName":"x"}`,
      3000,
    );
    results['chunked 1 MB'] = await raw(
      `POST /api/v1/setups HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${staff}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${(100_000).toString(16)}\r\n${'x'.repeat(100_000)}\r\n`.repeat(
        1,
      ) + `${(1_000_000).toString(16)}\r\n${'x'.repeat(1_000_000)}\r\n0\r\n\r\n`,
    );
    results['Content-Length and Transfer-Encoding'] = await raw(
      `POST /api/v1/setups HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${staff}\r\nContent-Type: application/json\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n`,
    );
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/xml',
      'multipart/form-data; boundary=x',
      'application/json; charset=utf-16',
    ])
      results[`Content-Type ${type}`] = await raw(
        json('/api/v1/setups', '{"customerName":"x"}', '')
          .toString('latin1')
          .replace('Content-Type: application/json', `Content-Type: ${type}`),
      );
    results['null byte in path'] = await raw(
      `GET /api/v1/setups/%00 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${staff}\r\nConnection: close\r\n\r\n`,
    );
    results['hand-off with a 1 MB secret'] = await raw(
      json(
        '/api/v1/wizard/credentials',
        JSON.stringify({
          idempotencyKey: randomUUID(),
          source: 'manual',
          tenantId: randomUUID(),
          clientId: randomUUID(),
          clientSecret: 's'.repeat(1_000_000),
          environmentUrl: 'https://contoso.crm.dynamics.com',
        }),
        '',
        `Bearer ${setup.token}`,
      ),
    );

    const bad = Object.entries(results).filter(
      ([, status]) => status >= 500 || (status !== 0 && status < 400),
    );
    // A valid token first must not be overridden by a forged duplicate, and vice versa: neither grants access twice.
    // Node decodes a body labelled JSON as UTF-8 (invalid bytes become U+FFFD) and ignores the charset label: those
    // two are accepted as ordinary setups, and counted as such below.
    const allowedSuccess = [
      'duplicate Authorization (valid, then forged)',
      'invalid UTF-8 JSON body',
      'Content-Type application/json; charset=utf-16',
    ];
    for (const name of allowedSuccess.slice(1)) if (results[name] === 201) created.setups += 1;
    expect(bad.filter(([name]) => !allowedSuccess.includes(name))).toEqual([]);
    expect(results['100 KB header']).toBe(431);
    expect(results['1 MB body']).toBe(413);
    expect(results['chunked 1 MB']).toBe(413);
    expect(results['JSON nested 30,000 deep']).toBe(400);
    expect(results['JSON objects nested 10,000 deep']).toBe(400);
    expect(results['Content-Type application/xml']).toBe(415);
    expect([400, 415]).toContain(results['Content-Type text/plain']);
    expect(results['duplicate Authorization (forged, then valid)']).toBe(401);
  });

  it('afterwards the server is up and ready, and the database is consistent', async () => {
    expect(server.proc.alive()).toBe(true);
    expect((await api.call(server.base, 'GET', '/readyz')).status).toBe(200);
    expect((await api.call(server.base, 'GET', '/api/v1/setups', { token: staff })).status).toBe(200);
    expect(await invariants()).toEqual([]);
    const after = await snapshot();
    // History is append-only: every row that existed before is unchanged.
    for (const t of ['setup_events', 'audit_log']) {
      const [r] = await db.query<{ digest: string | null }>(
        `select md5(string_agg(t::text, '|' order by id)) as digest from ${t} t where id <= $1`,
        [before.history[t]!.max],
      );
      expect(r!.digest ?? '', t).toBe(before.history[t]!.digest);
    }
    // Rows appeared only through requests that succeeded.
    expect(after.counts.setups! - before.counts.setups!).toBe(created.setups);
    expect(after.counts.api_keys! - before.counts.api_keys!).toBe(created.api_keys);
    expect(after.counts.webhook_subscriptions! - before.counts.webhook_subscriptions!).toBe(
      created.webhook_subscriptions,
    );
    expect(after.counts.credentials! - before.counts.credentials!).toBeLessThanOrEqual(created.credentials);
    expect(server.proc.output.join('')).not.toMatch(/"level":50/);
  });
});
