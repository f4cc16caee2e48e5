import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg, setPriority } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes, randomUUID } from 'node:crypto';
import { DEFAULT_MANIFEST, privilegeName } from '@kantiv/shared/manifest';
import {
  newApiKey,
  newKey,
  removeDir,
  startServer,
  tempDir,
  type ServerProc,
} from '../integration/reliability/support/server-process.ts';
import { loopAtRate } from './load.ts';
import { benchOption, report } from './report.ts';
import { peakRssMb, startEmulatorProcess } from './emulator-process.ts';
import { startCommand } from './start-command.ts';

/**
 * `pnpm bench fleet [--setups N] [--workers W]` (issue 18): 10,000 verified setups across 500 tenants (20 per
 * tenant), every one due for its scheduled health check at once, checked against the emulator in its own process
 * with its default throttling on (Dataverse's service protection limits).
 *
 * The server runs in its own process, the production build started as `pnpm start` starts it (its node flags), so
 * its figures are its own. By default (`--workers 1`) the API process runs no jobs (JOBS_ENABLED=false) and a worker
 * process of the same build runs them, sharing the database (jobs are leased there): the health checks stay off the
 * API's event loop. `--workers 0` is one process serving the API and running the checks, as `pnpm start` does by
 * default. The per-tenant bound and the rate are per instance: more than one worker multiplies them. The status
 * client polls the API process. `--worker-nice N` runs the workers at a lower CPU priority (default 0: as the API),
 * as an operator would run a job worker on the API's host (systemd `Nice=`).
 *
 * Seeding skips the wizard, not the product: the emulator's control API (`POST /_emulator/bulk-seed`) makes the
 * tenants, environments, roles, apps with a secret and application users; the server's development seam
 * (`POST /api/v1/dev/verified-setups`, KANTIV_DEV_MODE only) creates each setup and stores its credential, sealed by
 * the real vault in the server process, as a hand-off and a successful verification leave them. Some setups get real
 * drift through `POST /_emulator/drift`; the check must name it. `POST /api/v1/dev/health-cycle` then schedules
 * every setup's first check and makes all of them due now (the server's clock moved one interval on, as the
 * Playwright stack's `nextHealthCheckNow` does for one setup): every setup is due at once.
 *
 * Figures: `checked` (setups with a recorded check; must equal the setups), `errors` (setups not healthy that
 * were not drifted, plus drift the check missed), `maxConcurrentPerTenant` and `throttled` as the EMULATOR counted
 * them on the requests it answered, `peakRssMb` the highest VmHWM of the server processes (each listed apart; the
 * bench process's own is `benchPeakRssMb`), and the status endpoint's p99 during the cycle against idle in the same
 * run, on the API process.
 */
const SETUPS = benchOption('setups', 10_000);
const PER_TENANT = 20;
const TENANTS = Math.ceil(SETUPS / PER_TENANT);
const TENANT_CONCURRENCY = benchOption('tenant-concurrency', 2);
const RATE = benchOption('rate', 20);
const SLOTS = benchOption('slots', 8);
const WORKERS = benchOption('workers', 1);
// The workers' CPU priority (nice): what an operator gives job workers sharing a host with API instances.
const WORKER_NICE = benchOption('worker-nice', 0);
const STATUS_RATE = 20; // per second, over STATUS_SETUPS
const STATUS_SETUPS = 20;
const INTERVAL_S = 3_600;
const SEED_BATCH = 50;
const DRIFTS = [
  { kind: 'remove-credential', code: 'credential_removed' },
  { kind: 'delete-app-user', code: 'application_user_missing' },
] as const;
const DRIFTED_PER_KIND = 5;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

// The production build, as `pnpm start` runs it, rebuilt from the tree so the figures describe this code.
execFileSync(process.execPath, ['--import', 'tsx', path.join(root, 'server/scripts/build.ts')], {
  stdio: ['ignore', 'ignore', 'inherit'],
});
const dir = tempDir('kc-bench-fleet-');
const emulator = await startEmulatorProcess({ replicationDelayMs: 0 });
writeFileSync(path.join(dir, 'ca.pem'), emulator.certificate);
const apiKey = newApiKey();
const auth = { authorization: `Bearer ${apiKey}` };
const { flags, args } = startCommand(root);
const keys = newKey('bench');
const serverEnv = (name: string, jobs: boolean): Record<string, string> => ({
  DATA_DIR: dir,
  KANTIV_KEYS: keys,
  KANTIV_BOOTSTRAP_API_KEY: apiKey,
  KANTIV_DEV_MODE: 'true',
  LOG_LEVEL: 'warn',
  INSTANCE_ID: name,
  MICROSOFT_AUTHORITY_HOST: 'https://login.microsoftonline.com',
  MICROSOFT_HOST_MAP: emulator.microsoftHostMap,
  MICROSOFT_CA_FILE: path.join(dir, 'ca.pem'),
  WIZARD_CLIENT_ID: emulator.wizardClientId,
  JOBS_ENABLED: String(jobs),
  JOB_POLL_MS: '20',
  RATE_LIMIT_MAX: '1000000',
  HEALTH_CHECK_INTERVAL_SECONDS: String(INTERVAL_S),
  HEALTH_CHECK_TENANT_CONCURRENCY: String(TENANT_CONCURRENCY),
  HEALTH_CHECK_RATE_PER_SECOND: String(RATE),
  JOB_CONCURRENCY_HEALTH: String(SLOTS),
  // The bench sweeps itself once seeding is done (the health-cycle seam): no check starts on a half-seeded fleet.
  HEALTH_SWEEP_MS: '3600000',
});
const start = (name: string, jobs: boolean) =>
  startServer(name, serverEnv(name, jobs), { nodeArgs: flags, script: args.at(-1)! });
// The API process first: it creates the database and takes the seeding; workers start on it once it is seeded.
const api = await start('fleet-api', WORKERS === 0);
const workers: ServerProc[] = [];
const checkers = WORKERS === 0 ? [api] : workers;
// A bench that fails half-way (an error thrown) leaves no server behind.
process.on('exit', () => {
  for (const p of [api, ...workers]) if (p.proc.alive()) p.proc.child.kill('SIGKILL');
  removeDir(dir);
});
const port = Number(new URL(api.base).port);

async function call<T>(base: string, method: 'GET' | 'POST', route: string, body?: unknown): Promise<T> {
  const res = await fetch(`${base}${route}`, {
    method,
    headers: { ...auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

/** The server's database, read (never written) beside it, as the Playwright stack reads it (WAL: no lock taken). */
const require = createRequire(path.join(root, 'server/package.json'));
const Database = require('better-sqlite3') as new (
  file: string,
  opts: { readonly: boolean },
) => {
  prepare(sql: string): { get(...a: unknown[]): unknown; all(...a: unknown[]): unknown[] };
  close(): void;
};
const db = new Database(path.join(dir, 'kantiv-connect.sqlite'), { readonly: true });

type Seeded = { setupId: string; appId: string; environmentUrl: string };

async function seed(): Promise<Seeded[]> {
  const secretText = `bench~${randomBytes(24).toString('base64url')}`;
  const privileges: Record<string, string> = {};
  for (const t of DEFAULT_MANIFEST.tables)
    for (const access of t.access) privileges[privilegeName(access, t.schemaName)] = t.depth;
  const world = await emulator.control<{
    tenants: {
      tenantId: string;
      environmentUrl: string;
      apps: { appId: string; keyId: string; applicationUserId: string }[];
    }[];
  }>('POST', '/bulk-seed', {
    tenants: TENANTS,
    appsPerTenant: PER_TENANT,
    role: { name: DEFAULT_MANIFEST.roleName, privileges },
    secretText,
  });
  const apps = world.tenants
    .flatMap((t) => t.apps.map((a) => ({ ...a, tenantId: t.tenantId, environmentUrl: t.environmentUrl })))
    .slice(0, SETUPS);
  const expires = new Date(Date.now() + 365 * 86_400_000).toISOString();
  const out: Seeded[] = [];
  for (let i = 0; i < apps.length; i += SEED_BATCH) {
    const batch = apps.slice(i, i + SEED_BATCH);
    // What a successful hand-off and verification leave behind, one transaction per batch, in the server.
    const { ids } = await call<{ ids: string[] }>(api.base, 'POST', '/api/v1/dev/verified-setups', {
      setups: batch.map((a, k) => ({
        customerName: `Fleet ${i + k}`,
        credential: {
          idempotencyKey: randomUUID(),
          source: 'automatic',
          tenantId: a.tenantId,
          clientId: a.appId,
          credentialKind: 'client_secret',
          clientSecret: secretText,
          secretKeyId: a.keyId,
          secretExpiresAt: expires,
          environmentUrl: a.environmentUrl,
          applicationUserId: a.applicationUserId,
          roleName: DEFAULT_MANIFEST.roleName,
        },
      })),
    });
    for (const [k, a] of batch.entries())
      out.push({ setupId: ids[k]!, appId: a.appId, environmentUrl: a.environmentUrl });
  }
  return out;
}

const seedStart = performance.now();
const seeded = await seed();
const seedSeconds = (performance.now() - seedStart) / 1000;
console.error(`fleet: seeded ${seeded.length} setups in ${seedSeconds.toFixed(0)} s`);
// Workers join once the fleet is seeded, so the seeding's time is the API's alone (on SQLite every write transaction
// waits for the file's one write lock; they begin IMMEDIATE since the tenth session, before which a worker's commit
// during seeding failed the API's read-then-write transactions with SQLITE_BUSY_SNAPSHOT).
for (let w = 0; w < WORKERS; w++) workers.push(await start(`fleet-worker-${w + 1}`, true));
for (const w of workers) if (WORKER_NICE !== 0) setPriority(w.proc.child.pid!, WORKER_NICE);

// Real drift on a few setups spread over the fleet (never one of the setups whose status is polled).
const drifted = new Map<string, string>();
for (const [k, d] of DRIFTS.entries())
  for (let n = 0; n < DRIFTED_PER_KIND; n++) {
    const s =
      seeded[
        STATUS_SETUPS +
          Math.floor(
            ((k * DRIFTED_PER_KIND + n + 0.5) * (seeded.length - STATUS_SETUPS)) /
              (DRIFTS.length * DRIFTED_PER_KIND),
          )
      ]!;
    await emulator.control('POST', '/drift', {
      kind: d.kind,
      appId: s.appId,
      environmentUrl: s.environmentUrl,
    });
    drifted.set(s.setupId, d.code);
  }

const polled = seeded.slice(0, STATUS_SETUPS).map((s) => s.setupId);
const pollStatus = () =>
  loopAtRate({
    port,
    method: 'GET',
    pathOf: (n) => `/api/v1/setups/${polled[n % polled.length]!}/status`,
    headers: auth,
    rate: STATUS_RATE,
  });
const stopIdle = pollStatus();
await new Promise((r) => setTimeout(r, 8_000));
const idle = await stopIdle();

// One cycle: every setup gets its first check, and every check falls due now (one interval on).
await emulator.control('DELETE', '/load');
const { scheduled } = await call<{ scheduled: number; due: number }>(
  api.base,
  'POST',
  '/api/v1/dev/health-cycle',
);
const cycleStart = performance.now();
const stopDuring = pollStatus();
const countChecked = db.prepare('SELECT COUNT(*) AS n FROM setups WHERE health_checked_at IS NOT NULL');
let checked = 0;
let progressAt = 0;
for (;;) {
  await new Promise((r) => setTimeout(r, 500));
  checked = (countChecked.get() as { n: number }).n;
  // Progress on stderr, so a run stopped early still says how far it got (the JSON line stays last on stdout).
  if (Math.floor((performance.now() - cycleStart) / 30_000) > progressAt) {
    progressAt += 1;
    console.error(
      `fleet: ${checked} of ${SETUPS} checked after ${Math.round((performance.now() - cycleStart) / 1000)} s`,
    );
  }
  const dead = [api, ...workers].find((p) => !p.proc.alive());
  if (dead) throw new Error(`${dead.name} exited:\n${dead.proc.output.join('').slice(-3000)}`);
  if (checked >= SETUPS || performance.now() - cycleStart > 40 * 60_000) break;
}
const cycleSeconds = (performance.now() - cycleStart) / 1000;
const during = await stopDuring();
const load = await emulator.control<{ requests: number; maxConcurrentPerTenant: number; throttled: number }>(
  'GET',
  '/load',
);
const rows = db.prepare('SELECT id, health, health_cause FROM setups').all() as {
  id: string;
  health: string | null;
  health_cause: string | null;
}[];
let errors = 0;
let driftNamed = 0;
for (const r of rows) {
  const expected = drifted.get(r.id);
  const code = r.health_cause ? (JSON.parse(r.health_cause) as { code: string }).code : undefined;
  if (expected && code === expected && r.health !== 'healthy') driftNamed += 1;
  else if (r.health !== 'healthy') errors += 1;
}
const rss = Object.fromEntries(
  await Promise.all([api, ...workers].map(async (p) => [p.name, await peakRssMb(p.proc.child.pid)] as const)),
);
const benchPeakRss = await peakRssMb();
const serverStats = await Promise.all(
  checkers.map((p) =>
    call<{ checked: number; maxConcurrentPerTenant: number }>(p.base, 'GET', '/api/v1/dev/health-stats'),
  ),
);
db.close();
await Promise.all([api, ...workers].map((p) => p.proc.kill('SIGTERM')));
await emulator.close();

const ratio = idle.p99Ms > 0 ? during.p99Ms / idle.p99Ms : -1;
report(
  'fleet',
  [
    { phase: 'idle', answered: idle.count, errors: idle.errors, 'status p99 ms': idle.p99Ms },
    { phase: 'health cycle', answered: during.count, errors: during.errors, 'status p99 ms': during.p99Ms },
  ],
  {
    setups: SETUPS,
    tenants: TENANTS,
    workers: WORKERS,
    workerNice: WORKER_NICE,
    scheduled,
    checked,
    errors,
    driftInjected: drifted.size,
    driftNamed,
    cycleSeconds: Number(cycleSeconds.toFixed(1)),
    checksPerSec: Number((checked / cycleSeconds).toFixed(1)),
    tenantConcurrencyBound: TENANT_CONCURRENCY,
    maxConcurrentPerTenant: load.maxConcurrentPerTenant,
    serverMaxConcurrentPerTenant: Math.max(...serverStats.map((s) => s.maxConcurrentPerTenant)),
    throttled: load.throttled,
    emulatorRequests: load.requests,
    ratePerSecond: RATE,
    healthSlots: SLOTS,
    peakRssMb: Math.max(...Object.values(rss)),
    ...Object.fromEntries(Object.entries(rss).map(([name, mb]) => [`peakRssMb:${name}`, mb])),
    benchPeakRssMb: benchPeakRss,
    statusP99MsIdle: idle.p99Ms,
    statusP99MsDuringCycle: during.p99Ms,
    statusP99Ratio: Number(ratio.toFixed(2)),
    statusErrors: idle.errors + during.errors,
    loadAverage1m: Number(loadavg()[0]!.toFixed(2)),
    seedSeconds: Number(seedSeconds.toFixed(1)),
  },
);
const ok =
  checked === SETUPS &&
  errors === 0 &&
  driftNamed === drifted.size &&
  load.maxConcurrentPerTenant <= TENANT_CONCURRENCY &&
  idle.errors + during.errors === 0;
process.exit(ok ? 0 : 1);
