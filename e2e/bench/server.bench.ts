import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { report } from './report.ts';
import { okRps, openLoop } from './load.ts';
import { startCommand } from './start-command.ts';
import { startStaffIssuer } from '../integration/reliability/support/staff-issuer.ts';

/**
 * `pnpm bench server`: the API server (SQLite, one process, the production build as `pnpm start` runs it) measured
 * from outside, after a short warm-up of each target.
 * - statusRps / statusP99Ms: GET /api/v1/setups/:id/status with an API key, next to a bare Fastify hello-world
 *   (bareRps, same node flags) in the same run, alternating over 5 rounds (medians; statusRatio is the median of the
 *   rounds' ratios); statusP99Ms is measured at a fixed 1,000 req/s, sent evenly (open loop, see openLoop). Throughput
 *   counts successful answers only (2xx / 304 per second of the round), never failed ones.
 * - manyStatusRps / manyStatusP99Ms: 200 clients polling 200 setups with 50 API keys (a key per client group), the
 *   realistic case next to the one-setup-one-key best case.
 * - errors: every failed or non-2xx answer and timeout of every phase (bare rounds included) and every SSE watcher
 *   that did not connect; the bench exits non-zero when it is not 0.
 * - handoffsPerSec: POST /api/v1/wizard/credentials (validate, seal, store, queue) with varying setups.
 * - sseP99Ms: time from posting a step event to its arrival at each of 1,000 SSE watchers.
 * - peakRssMb: the server process's peak resident memory over the whole run; peakRssMbAfterStatus and
 *   peakRssMbAfterHandoffs: the peak as it stood after those phases (the rest is the SSE fan-out's).
 */
const DURATION_S = Number(process.argv[2] ?? 5);
const WATCHERS = Number(process.argv[3] ?? 1000);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dataDir = mkdtempSync(path.join(tmpdir(), 'kc-bench-server-'));
const apiKey = `kc_${randomBytes(32).toString('base64url')}`;
const auth = { authorization: `Bearer ${apiKey}` };
const children: ChildProcess[] = [];

async function startChild(args: string[], env: Record<string, string>, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(child);
  for (let i = 0; i < 200; i += 1) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (res.ok) return child;
    } catch {
      // not yet listening
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`child on port ${port} did not start`);
}

// The production build, run the way `pnpm start` runs it (compiled JS, no TypeScript loader); rebuilt from the
// current source first so the figures always describe the code in the tree.
execFileSync(process.execPath, ['--import', 'tsx', path.join(root, 'server/scripts/build.ts')], {
  stdio: 'inherit',
});

const serverPort = 4710 + Math.floor(Math.random() * 200);
const barePort = serverPort + 300;
const base = `http://127.0.0.1:${serverPort}`;
// Exactly `pnpm start`'s node flags (source maps, the young generation's size), so the figures are production's.
const { flags: startFlags, args: startArgs } = startCommand(root);
// Staff sign-in (a local issuer; its keys over http://127.0.0.1 need the development flag) creates the API keys.
const staffIssuer = await startStaffIssuer();
const server = await startChild(
  startArgs,
  {
    PORT: String(serverPort),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    DATA_DIR: dataDir,
    KANTIV_KEYS: `bench:${randomBytes(32).toString('base64')}`,
    KANTIV_BOOTSTRAP_API_KEY: apiKey,
    JOBS_ENABLED: 'false',
    RATE_LIMIT_MAX: '1000000',
    ...staffIssuer.env,
  },
  serverPort,
);
await startChild(
  [
    ...startFlags,
    '-e',
    `const f=require('fastify')({logger:false});f.get('/',()=>({hello:'world'}));f.get('/healthz',()=>({ok:true}));f.listen({port:${barePort},host:'127.0.0.1'})`,
  ],
  { NODE_PATH: path.join(root, 'server/node_modules') },
  barePort,
);

// The kernel keeps the process's peak resident memory (VmHWM), so nothing samples it during the run: a sampler that
// spawned `ps` every 200 ms blocked this process's event loop and showed up in the measured latencies.
function peakRssBytes(pid: number): number {
  const kb = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb ?? 0) * 1024;
}

async function post<T>(url: string, body: unknown, headers: Record<string, string>): Promise<T> {
  const res = await fetch(`${base}${url}`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

const { setup } = await post<{ setup: { id: string } }>('/api/v1/setups', { customerName: 'Bench' }, auth);
const statusUrl = `${base}/api/v1/setups/${setup.id}/status`;

// Warm-up (JIT, caches, connection pools) for both servers, so the measured runs compare steady states.
const WARMUP_S = Math.max(1, Math.round(DURATION_S / 5));
const bareWarmup = await autocannon({
  url: `http://127.0.0.1:${barePort}/`,
  connections: 20,
  duration: WARMUP_S,
});
const statusWarmup = await autocannon({ url: statusUrl, connections: 20, duration: WARMUP_S, headers: auth });

// Throughput: bare and status alternate over ROUNDS rounds, so drift on a shared machine (another process waking,
// CPU frequency) hits both alike; each figure is the median over the rounds, the ratio the median of the rounds' ratios.
const ROUNDS = 5;
const bareRounds: autocannon.Result[] = [];
const statusRounds: autocannon.Result[] = [];
for (let round = 0; round < ROUNDS; round += 1) {
  bareRounds.push(
    await autocannon({ url: `http://127.0.0.1:${barePort}/`, connections: 20, duration: DURATION_S }),
  );
  statusRounds.push(
    await autocannon({ url: statusUrl, connections: 20, duration: DURATION_S, headers: auth }),
  );
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const bareRps = median(bareRounds.map(okRps));
const statusRps = median(statusRounds.map(okRps));
const statusRatio = median(statusRounds.map((r, i) => okRps(r) / okRps(bareRounds[i]!)));
const statusAt1k = await openLoop(statusUrl, auth, 1000, DURATION_S);

// Many clients, many setups, many keys: what Kantiv's services polling their customers' setups look like (no answer
// shared by every request, keys verified and cached per key).
const MANY_SETUPS = 200;
const MANY_KEYS = 50;
const staffAuth = { authorization: `Bearer ${await staffIssuer.token(['Connect.Manage'])}` };
const manyKeys: string[] = [];
for (let i = 0; i < MANY_KEYS; i += 1)
  manyKeys.push(
    (
      await post<{ key: string }>(
        '/api/v1/api-keys',
        { name: `bench ${i}`, scopes: ['setups:read'] },
        staffAuth,
      )
    ).key,
  );
const manySetups: string[] = [];
for (let i = 0; i < MANY_SETUPS; i += 1)
  manySetups.push(
    (await post<{ setup: { id: string } }>('/api/v1/setups', { customerName: `Many ${i}` }, auth)).setup.id,
  );
let manyN = 0;
const many = await autocannon({
  url: base,
  connections: 200,
  duration: DURATION_S,
  requests: [
    {
      method: 'GET',
      setupRequest: (req) => {
        const i = manyN++;
        return {
          ...req,
          path: `/api/v1/setups/${manySetups[i % MANY_SETUPS]}/status`,
          headers: { ...req.headers, authorization: `Bearer ${manyKeys[(i * 7) % MANY_KEYS]}` },
        };
      },
    },
  ],
});
// The peak so far after each phase, so a high peak names the phase that made it.
const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);
const peakRssMbAfterStatus = mb(peakRssBytes(server.pid!));

// Hand-offs: each request hands off to a setup of its own, because a setup takes one hand-off while the wizard
// runs (`in_progress`); a second one is refused (409), which would measure refusals. The pool outnumbers what one
// run can send, and is bound the way the identity route would bind it (a Microsoft ID token is not needed here).
const POOL_SIZE = 1_500 * DURATION_S;
const pool: { id: string; token: string; tenantId: string }[] = [];
for (let i = 0; i < POOL_SIZE; i += 1) {
  const created = await post<{ setup: { id: string }; inviteUrl: string }>(
    '/api/v1/setups',
    { customerName: `Pool ${i}` },
    auth,
  );
  const token = new URL(created.inviteUrl).hash.replace('#token=', '');
  pool.push({ id: created.setup.id, token, tenantId: randomUUID() });
}
const poolFile = path.join(dataDir, 'handoff-pool.json');
writeFileSync(poolFile, JSON.stringify(pool.map((p) => [p.tenantId, p.id])));
execFileSync(
  process.execPath,
  [
    '-e',
    `const D=require('better-sqlite3');const d=new D(${JSON.stringify(path.join(dataDir, 'kantiv-connect.sqlite'))});d.pragma('busy_timeout=5000');const u=d.prepare("update setups set tenant_id=?, state='in_progress' where id=?");d.transaction((rows)=>{for(const r of rows)u.run(r[0],r[1])})(JSON.parse(require('fs').readFileSync(${JSON.stringify(poolFile)},'utf8')))`,
  ],
  { env: { ...process.env, NODE_PATH: path.join(root, 'server/node_modules') } },
);
let n = 0;
const handoffs = await autocannon({
  url: `${base}/api/v1/wizard/credentials`,
  connections: 10,
  duration: DURATION_S,
  requests: [
    {
      method: 'POST',
      setupRequest: (req) => {
        const p = pool[n++ % pool.length]!; // a pool exhausted would show as 409s in `errors`
        return {
          ...req,
          headers: { ...req.headers, authorization: `Bearer ${p.token}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            idempotencyKey: randomUUID(),
            source: 'automatic',
            tenantId: p.tenantId,
            clientId: randomUUID(),
            clientSecret: randomBytes(30).toString('base64url'),
            environmentUrl: 'https://contoso.crm.dynamics.com',
            applicationUserId: randomUUID(),
          }),
        };
      },
    },
  ],
});

const peakRssMbAfterHandoffs = mb(peakRssBytes(server.pid!));

// SSE fan-out: WATCHERS connections on one setup; each event's latency is arrival time minus post time.
const sseSetup = await post<{ setup: { id: string }; inviteUrl: string }>(
  '/api/v1/setups',
  { customerName: 'SSE' },
  auth,
);
const sseToken = new URL(sseSetup.inviteUrl).hash.replace('#token=', '');
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
const arrivals = new Map<string, number[]>();
const sockets: http.ClientRequest[] = [];
let connected = 0;
let sseFailed = 0;
await new Promise<void>((resolve) => {
  const settled = () => {
    if (connected + sseFailed === WATCHERS) resolve();
  };
  for (let i = 0; i < WATCHERS; i += 1) {
    const req = http.get(
      `${base}/api/v1/setups/${sseSetup.setup.id}/events`,
      { agent, headers: { ...auth, accept: 'text/event-stream' } },
      (res) => {
        if (res.statusCode !== 200) {
          sseFailed += 1;
          res.resume();
          settled();
          return;
        }
        let buf = '';
        res.on('data', (c: Buffer) => {
          buf += c.toString();
          let idx;
          while ((idx = buf.indexOf('\n\n')) >= 0) {
            const frame = buf.slice(0, idx);
            buf = buf.slice(idx + 2);
            const m = /"message":"bench-(\d+)"/.exec(frame);
            if (m?.[1]) arrivals.set(m[1], [...(arrivals.get(m[1]) ?? []), performance.now()]);
          }
        });
        connected += 1;
        settled();
      },
    );
    req.on('error', () => {
      sseFailed += 1;
      settled();
    });
    sockets.push(req);
  }
});
await new Promise((r) => setTimeout(r, 500));
const latencies: number[] = [];
for (let round = 1; round <= 10; round += 1) {
  const t0 = performance.now();
  await post(
    '/api/v1/wizard/events',
    {
      events: [
        {
          seq: round,
          step: 'preflight',
          status: 'running',
          at: new Date().toISOString(),
          message: `bench-${round}`,
        },
      ],
    },
    { authorization: `Bearer ${sseToken}` },
  );
  const deadline = Date.now() + 10_000;
  while ((arrivals.get(String(round))?.length ?? 0) < connected && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 5));
  for (const t of arrivals.get(String(round)) ?? []) latencies.push(t - t0);
}
const delivered = latencies.length;
latencies.sort((a, b) => a - b);
const sseP99 = latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))] ?? -1;
sockets.forEach((s) => s.destroy());
agent.destroy();

const peakRss = peakRssBytes(server.pid!);
for (const c of children) c.kill('SIGTERM');
await staffIssuer.close();
rmSync(dataDir, { recursive: true, force: true });

const failedOf = (r: autocannon.Result) => r.errors + r.timeouts + r.non2xx;
const errors =
  failedOf(bareWarmup) +
  failedOf(statusWarmup) +
  bareRounds.reduce((n, r) => n + failedOf(r), 0) +
  statusRounds.reduce((n, r) => n + failedOf(r), 0) +
  statusAt1k.errors +
  failedOf(many) +
  failedOf(handoffs) +
  sseFailed;
report(
  'server',
  [
    ...bareRounds.flatMap((bare, i) => [
      {
        target: `round ${i + 1}: bare fastify (max)`,
        'req/s': okRps(bare),
        'p99 ms': bare.latency.p99,
      },
      {
        target: `round ${i + 1}: GET status (max)`,
        'req/s': okRps(statusRounds[i]!),
        'p99 ms': statusRounds[i]!.latency.p99,
      },
    ]),
    { target: 'GET status @1000/s (open loop)', 'req/s': statusAt1k.rps, 'p99 ms': statusAt1k.p99Ms },
    {
      target: `GET status, ${MANY_SETUPS} setups x ${MANY_KEYS} keys, 200 clients (max)`,
      'req/s': okRps(many),
      'p99 ms': many.latency.p99,
    },
    { target: 'POST credentials (max)', 'req/s': okRps(handoffs), 'p99 ms': handoffs.latency.p99 },
    { target: `SSE fan-out x${WATCHERS}`, 'req/s': 0, 'p99 ms': sseP99 },
  ],
  {
    statusRps: Math.round(statusRps),
    bareRps: Math.round(bareRps),
    statusRatio: Number(statusRatio.toFixed(3)),
    statusP99Ms: statusAt1k.p99Ms,
    manyStatusRps: Math.round(okRps(many)),
    manyStatusP99Ms: many.latency.p99,
    handoffsPerSec: Math.round(okRps(handoffs)),
    sseP99Ms: Number(sseP99.toFixed(1)),
    sseDelivered: delivered,
    sseExpected: WATCHERS * 10,
    sseFailedConnections: sseFailed,
    peakRssMb: mb(peakRss),
    peakRssMbAfterStatus,
    peakRssMbAfterHandoffs,
    errors,
  },
);
if (errors !== 0) console.error(`server bench: ${errors} failed requests or connections`);
process.exit(errors === 0 ? 0 : 1);
