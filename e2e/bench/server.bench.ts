import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { report } from './report.ts';

/**
 * `pnpm bench server`: the API server (SQLite, one process, the production build as `pnpm start` runs it) measured
 * from outside, after a short warm-up of each target.
 * - statusRps / statusP99Ms: GET /api/v1/setups/:id/status with an API key, next to a bare Fastify hello-world
 *   (bareRps) in the same run; statusP99Ms is measured at a fixed 1,000 req/s.
 * - handoffsPerSec: POST /api/v1/wizard/credentials (validate, seal, store, queue) with varying setups.
 * - sseP99Ms: time from posting a step event to its arrival at each of 1,000 SSE watchers.
 * - peakRssMb: the server process's peak resident memory over the whole run.
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
const server = await startChild(
  ['--enable-source-maps', path.join(root, 'server/dist/server.js')],
  {
    PORT: String(serverPort),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    DATA_DIR: dataDir,
    KANTIV_KEYS: `bench:${randomBytes(32).toString('base64')}`,
    KANTIV_BOOTSTRAP_API_KEY: apiKey,
    JOBS_ENABLED: 'false',
    RATE_LIMIT_MAX: '1000000',
  },
  serverPort,
);
await startChild(
  [
    '-e',
    `const f=require('fastify')({logger:false});f.get('/',()=>({hello:'world'}));f.get('/healthz',()=>({ok:true}));f.listen({port:${barePort},host:'127.0.0.1'})`,
  ],
  { NODE_PATH: path.join(root, 'server/node_modules') },
  barePort,
);

let peakRss = 0;
const sampler = setInterval(() => {
  try {
    const kb = Number(
      execFileSync('ps', ['-o', 'rss=', '-p', String(server.pid)])
        .toString()
        .trim(),
    );
    peakRss = Math.max(peakRss, kb * 1024);
  } catch {
    // process gone
  }
}, 200);

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
await autocannon({ url: `http://127.0.0.1:${barePort}/`, connections: 20, duration: WARMUP_S });
const statusWarmup = await autocannon({ url: statusUrl, connections: 20, duration: WARMUP_S, headers: auth });

const bareMax = await autocannon({
  url: `http://127.0.0.1:${barePort}/`,
  connections: 20,
  duration: DURATION_S,
});
const statusMax = await autocannon({ url: statusUrl, connections: 20, duration: DURATION_S, headers: auth });
const statusAt1k = await autocannon({
  url: statusUrl,
  connections: 20,
  duration: DURATION_S,
  headers: auth,
  overallRate: 1000,
});

// Hand-offs: a pool of setups whose state allows a hand-off; each request a new idempotency key (a new credential).
// Binding a tenant needs a Microsoft ID token, so the pool is bound the way the identity route would bind it.
const pool: { token: string; tenantId: string }[] = [];
for (let i = 0; i < 50; i += 1) {
  const created = await post<{ setup: { id: string }; inviteUrl: string }>(
    '/api/v1/setups',
    { customerName: `Pool ${i}` },
    auth,
  );
  pool.push({ token: new URL(created.inviteUrl).hash.replace('#token=', ''), tenantId: randomUUID() });
  const dbFile = path.join(dataDir, 'kantiv-connect.sqlite');
  execFileSync(
    process.execPath,
    [
      '-e',
      `const D=require('better-sqlite3');const d=new D(${JSON.stringify(dbFile)});d.pragma('busy_timeout=5000');d.prepare("update setups set tenant_id=?, state='in_progress' where id=?").run(${JSON.stringify(pool[i]!.tenantId)}, ${JSON.stringify(created.setup.id)})`,
    ],
    {
      env: { ...process.env, NODE_PATH: path.join(root, 'server/node_modules') },
    },
  );
}
let n = 0;
const handoffs = await autocannon({
  url: `${base}/api/v1/wizard/credentials`,
  connections: 10,
  duration: DURATION_S,
  requests: [
    {
      method: 'POST',
      setupRequest: (req) => {
        const p = pool[n++ % pool.length]!;
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
await new Promise<void>((resolve, reject) => {
  for (let i = 0; i < WATCHERS; i += 1) {
    const req = http.get(
      `${base}/api/v1/setups/${sseSetup.setup.id}/events`,
      { agent, headers: { ...auth, accept: 'text/event-stream' } },
      (res) => {
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
        if (connected === WATCHERS) resolve();
      },
    );
    req.on('error', reject);
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
  while ((arrivals.get(String(round))?.length ?? 0) < WATCHERS && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 5));
  for (const t of arrivals.get(String(round)) ?? []) latencies.push(t - t0);
}
const delivered = latencies.length;
latencies.sort((a, b) => a - b);
const sseP99 = latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))] ?? -1;
sockets.forEach((s) => s.destroy());
agent.destroy();

clearInterval(sampler);
for (const c of children) c.kill('SIGTERM');
rmSync(dataDir, { recursive: true, force: true });

const errors =
  statusWarmup.errors +
  statusWarmup.non2xx +
  statusMax.errors +
  statusMax.non2xx +
  statusAt1k.errors +
  statusAt1k.non2xx +
  handoffs.errors +
  handoffs.non2xx;
report(
  'server',
  [
    { target: 'bare fastify (max)', 'req/s': bareMax.requests.average, 'p99 ms': bareMax.latency.p99 },
    { target: 'GET status (max)', 'req/s': statusMax.requests.average, 'p99 ms': statusMax.latency.p99 },
    { target: 'GET status @1000/s', 'req/s': statusAt1k.requests.average, 'p99 ms': statusAt1k.latency.p99 },
    { target: 'POST credentials (max)', 'req/s': handoffs.requests.average, 'p99 ms': handoffs.latency.p99 },
    { target: `SSE fan-out x${WATCHERS}`, 'req/s': 0, 'p99 ms': sseP99 },
  ],
  {
    statusRps: Math.round(statusMax.requests.average),
    bareRps: Math.round(bareMax.requests.average),
    statusRatio: Number((statusMax.requests.average / bareMax.requests.average).toFixed(3)),
    statusP99Ms: statusAt1k.latency.p99,
    handoffsPerSec: Math.round(handoffs.requests.average),
    sseP99Ms: Number(sseP99.toFixed(1)),
    sseDelivered: delivered,
    sseExpected: WATCHERS * 10,
    peakRssMb: Math.round(peakRss / 1024 / 1024),
    errors,
  },
);
process.exit(0);
