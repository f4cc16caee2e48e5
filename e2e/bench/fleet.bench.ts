import { loadavg } from 'node:os';
import { randomBytes, randomUUID } from 'node:crypto';
import { DEFAULT_MANIFEST, privilegeName } from '@kantiv/shared/manifest';
import { loopAtRate } from './load.ts';
import { benchOption, report } from './report.ts';
import { startBenchServer } from './bench-server.ts';
import { peakRssMb, startEmulatorProcess } from './emulator-process.ts';

/**
 * `pnpm bench fleet [--setups N]` (issue 18): 10,000 verified setups across 500 tenants (20 per tenant), every one
 * due for its scheduled health check at once (the server's clock moved one interval on), checked against the
 * emulator in its own process with its default throttling on (Dataverse's service protection limits).
 *
 * Seeding skips the wizard, not the product: the emulator's control API (`POST /_emulator/bulk-seed`) makes the
 * tenants, environments, roles, apps with a secret and application users; our side creates each setup through the
 * API and stores its credential through the credential store (sealed by the real vault), then marks it verified as
 * the verification would. Some setups get real drift through `POST /_emulator/drift`; the check must name it.
 *
 * Figures: `checked` (setups with a recorded check; must equal the setups), `errors` (setups not healthy that
 * were not drifted, plus drift the check missed), `maxConcurrentPerTenant` and `throttled` as the EMULATOR counted
 * them on the requests it answered, `peakRssMb` of this process (server and seeding; the emulator is apart), and
 * the status endpoint's p99 during the cycle against idle in the same run.
 */
const SETUPS = benchOption('setups', 10_000);
const PER_TENANT = 20;
const TENANTS = Math.ceil(SETUPS / PER_TENANT);
const TENANT_CONCURRENCY = benchOption('tenant-concurrency', 2);
const RATE = benchOption('rate', 20);
const SLOTS = benchOption('slots', 8);
const STATUS_RATE = 20; // per second, over STATUS_SETUPS
const STATUS_SETUPS = 20;
const INTERVAL_S = 3_600;
const DRIFTS = [
  { kind: 'remove-credential', code: 'credential_removed' },
  { kind: 'delete-app-user', code: 'application_user_missing' },
] as const;
const DRIFTED_PER_KIND = 5;

const emulator = await startEmulatorProcess({ replicationDelayMs: 0 });
const { app, port, clock, auth } = await startBenchServer(emulator, 'fleet', {
  HEALTH_CHECK_INTERVAL_SECONDS: String(INTERVAL_S),
  HEALTH_CHECK_TENANT_CONCURRENCY: String(TENANT_CONCURRENCY),
  HEALTH_CHECK_RATE_PER_SECOND: String(RATE),
  JOB_CONCURRENCY_HEALTH: String(SLOTS),
  // The bench sweeps itself once seeding is done: no check may start on a half-seeded fleet.
  HEALTH_SWEEP_MS: '3600000',
});

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
  const expires = new Date(clock.now().getTime() + 365 * 86_400_000).toISOString();
  const out: Seeded[] = [];
  for (let i = 0; i < apps.length; i += 50) {
    const batch = apps.slice(i, i + 50);
    const ids = await Promise.all(
      batch.map(async (_, k) => {
        const created = await app.inject({
          method: 'POST',
          url: '/api/v1/setups',
          headers: auth,
          payload: { customerName: `Fleet ${i + k}` },
        });
        if (created.statusCode !== 201) throw new Error(`setup: ${created.statusCode} ${created.body}`);
        return created.json<{ setup: { id: string } }>().setup.id;
      }),
    );
    // What a successful hand-off and verification leave behind, for 50 setups per transaction.
    await app.store.db.transaction().execute(async (trx) => {
      for (const [k, a] of batch.entries()) {
        const setupId = ids[k]!;
        await app.credentialStore.insert(trx, setupId, {
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
        });
        await trx
          .updateTable('setups')
          .set({
            state: 'verified',
            tenant_id: a.tenantId,
            client_id: a.appId,
            environment_url: a.environmentUrl,
            application_user_id: a.applicationUserId,
            credential_kind: 'client_secret',
            secret_expires_at: expires,
          })
          .where('id', '=', setupId)
          .execute();
        out.push({ setupId, appId: a.appId, environmentUrl: a.environmentUrl });
      }
    });
  }
  return out;
}

const seedStart = performance.now();
const seeded = await seed();
const seedSeconds = (performance.now() - seedStart) / 1000;
console.error(`fleet: seeded ${seeded.length} setups in ${seedSeconds.toFixed(0)} s`);

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

// One cycle: every setup gets its first check somewhere in the next interval; the clock then moves past it.
await emulator.control('DELETE', '/load');
const scheduled = await app.healthChecks.sweep();
clock.set(new Date(clock.now().getTime() + INTERVAL_S * 1000 + 1_000));
app.jobs.kick();
const cycleStart = performance.now();
const stopDuring = pollStatus();
const countChecked = async () =>
  Number(
    (
      await app.store.db
        .selectFrom('setups')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('health_checked_at', 'is not', null)
        .executeTakeFirstOrThrow()
    ).n,
  );
let checked = 0;
let progressAt = 0;
for (;;) {
  await new Promise((r) => setTimeout(r, 500));
  checked = await countChecked();
  // Progress on stderr, so a run stopped early still says how far it got (the JSON line stays last on stdout).
  if (Math.floor((performance.now() - cycleStart) / 30_000) > progressAt) {
    progressAt += 1;
    console.error(
      `fleet: ${checked} of ${SETUPS} checked after ${Math.round((performance.now() - cycleStart) / 1000)} s`,
    );
  }
  if (checked >= SETUPS || performance.now() - cycleStart > 40 * 60_000) break;
}
const cycleSeconds = (performance.now() - cycleStart) / 1000;
const during = await stopDuring();
const load = await emulator.control<{ requests: number; maxConcurrentPerTenant: number; throttled: number }>(
  'GET',
  '/load',
);
const rows = await app.store.db.selectFrom('setups').select(['id', 'health', 'health_cause']).execute();
let errors = 0;
let driftNamed = 0;
for (const r of rows) {
  const expected = drifted.get(r.id);
  const code = r.health_cause ? (JSON.parse(r.health_cause) as { code: string }).code : undefined;
  if (expected && code === expected && r.health !== 'healthy') driftNamed += 1;
  else if (r.health !== 'healthy') errors += 1;
}
const peakRss = await peakRssMb();
const serverStats = app.healthChecks.stats();
await app.close();
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
    scheduled,
    checked,
    errors,
    driftInjected: drifted.size,
    driftNamed,
    cycleSeconds: Number(cycleSeconds.toFixed(1)),
    checksPerSec: Number((checked / cycleSeconds).toFixed(1)),
    tenantConcurrencyBound: TENANT_CONCURRENCY,
    maxConcurrentPerTenant: load.maxConcurrentPerTenant,
    serverMaxConcurrentPerTenant: serverStats.maxConcurrentPerTenant,
    throttled: load.throttled,
    emulatorRequests: load.requests,
    ratePerSecond: RATE,
    healthSlots: SLOTS,
    peakRssMb: peakRss,
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
