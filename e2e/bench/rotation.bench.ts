import { loadavg } from 'node:os';
import { randomUUID } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { DAY_MS } from '@kantiv/server/lib/clock';
import { pendingCertificateKey } from '@kantiv/server/services/credentials';
import { CERTIFICATE_DISPLAY_NAME } from '@kantiv/shared/naming';
import { GRAPH, call, createAppWithPrincipal, tokenFor } from '@kantiv/emulator/test-support/helpers';
import { loopAtRate } from './load.ts';
import { benchOption, report } from './report.ts';
import { startBenchServer } from './bench-server.ts';
import { peakRssMb, startEmulatorProcess } from './emulator-process.ts';

/**
 * `pnpm bench rotation`: 1,000 certificate setups fall due at once (the server's clock moved to 60 days before
 * their expiry) and the scheduler rotates them against the emulator over HTTPS — addKey with a proof, verify,
 * switch, removeKey. Token vending is measured over HTTP in the same run, idle first and then during the rotation.
 *
 * Seeding goes straight through the server's own repository and vault API in this process (setup rows, the
 * credential store's createCertificate/activateCertificate — the private keys are sealed exactly as in production)
 * and the emulator's Graph and Dataverse APIs (app, service principal, certificate, application user). The emulator
 * runs in a process of its own, so `peakRssMb` (VmHWM) is the server's, seeding included.
 *
 * `rotated` counts what really rotated: a new key active in our database AND the old key gone from the application
 * in the emulator's state (with the new one on it). Exits non-zero unless every setup rotated with no failure and
 * no token request failed.
 */
const SETUPS = benchOption('setups', 1000);
const VEND_SETUPS = 10;
const VEND_RATE = 20; // per second, over all of VEND_SETUPS
const ADMIN = 'admin@contoso.com';

const emulator = await startEmulatorProcess({ replicationDelayMs: 0 });
const em = emulator.asEmulator();
const { app, port, clock, apiKey } = await startBenchServer(emulator, 'rotation', {
  CERTIFICATE_ROTATION_SWEEP_MS: '500',
  JOB_CONCURRENCY_ROTATION: process.env.JOB_CONCURRENCY_ROTATION ?? '4',
});
const org = emulator.urls.environments.find((e) => e.name === 'Contoso Production')!;
const tenantId = emulator.tenants.contoso;

async function applicationUser(appId: string, dvToken: string, buId: string, roleId: string) {
  const base = `${org.apiUrl}/api/data/v9.2`;
  const user = await call(em, `${base}/systemusers`, {
    method: 'POST',
    token: dvToken,
    body: { applicationid: appId, 'businessunitid@odata.bind': `/businessunits(${buId})` },
  });
  const userId = /systemusers\((.+)\)$/.exec(user.headers.get('odata-entityid') ?? '')?.[1];
  if (!userId) throw new Error(`application user: ${user.status} ${user.text}`);
  await call(em, `${base}/systemusers(${userId})/systemuserroles_association/$ref`, {
    method: 'POST',
    token: dvToken,
    body: { '@odata.id': `${base}/roles(${roleId})` },
  });
  return userId;
}

/** One verified certificate setup: the emulator's app holds the certificate the server made and sealed. */
async function seedOne(graph: string, dv: { token: string; buId: string; roleId: string }, i: number) {
  const created = await app.inject({
    method: 'POST',
    url: '/api/v1/setups',
    headers: { authorization: `Bearer ${apiKey}` },
    payload: { customerName: `Bench ${i}` },
  });
  const setupId = created.json<{ setup: { id: string } }>().setup.id;
  const ms = await createAppWithPrincipal(em, `Kantiv bench ${i}`);
  const req = { tenantId, clientId: ms.appId, environmentUrl: org.url, lifetimeDays: 365 };
  const made = await app.credentialStore.createCertificate(
    setupId,
    req,
    CERTIFICATE_DISPLAY_NAME,
    clock.now(),
  );
  const patched = await call(em, `${GRAPH}/applications/${ms.id}`, {
    method: 'PATCH',
    token: graph,
    body: {
      keyCredentials: [
        { keyId: made.keyId, type: 'AsymmetricX509Cert', usage: 'Verify', key: made.certificate },
      ],
    },
  });
  if (patched.status !== 204) throw new Error(`keyCredentials: ${patched.status} ${patched.text}`);
  const userId = await applicationUser(ms.appId, dv.token, dv.buId, dv.roleId);
  const db = app.store.db;
  await db.transaction().execute(async (trx) => {
    const active = await app.credentialStore.activateCertificate(trx, setupId, {
      ...req,
      idempotencyKey: randomUUID(),
      source: 'automatic',
      credentialKind: 'certificate',
      keyId: made.keyId,
      applicationUserId: userId,
    });
    if (!active) throw new Error(`no pending certificate ${pendingCertificateKey(made.keyId)}`);
    await trx
      .updateTable('setups')
      .set({
        state: 'verified',
        tenant_id: tenantId,
        client_id: ms.appId,
        environment_url: org.url,
        credential_kind: 'certificate',
        secret_expires_at: made.notAfter,
      })
      .where('id', '=', setupId)
      .execute();
    // What the wizard's app-registration step reports: the object id a proof names as its issuer.
    await trx
      .insertInto('setup_events')
      .values({
        setup_id: setupId,
        seq: 1,
        type: 'step',
        source: 'wizard',
        step: 'app_registration',
        status: 'succeeded',
        message: 'App registered',
        at: clock.now().toISOString(),
        attempt: null,
        retry_at: null,
        error: null,
        data: JSON.stringify({ applicationObjectId: ms.id, clientId: ms.appId }),
      })
      .execute();
  });
  return { setupId, appId: ms.appId, keyId: made.keyId, notAfter: Date.parse(made.notAfter) };
}

async function seed() {
  const graph = await tokenFor(em, ADMIN, 'https://graph.microsoft.com/.default');
  const dvToken = await tokenFor(em, ADMIN, `${org.url}/user_impersonation`);
  const base = `${org.apiUrl}/api/data/v9.2`;
  const bu = await call(
    em,
    `${base}/businessunits?$select=businessunitid&$filter=_parentbusinessunitid_value eq null`,
    { token: dvToken },
  );
  const buId = (bu.json.value as { businessunitid: string }[])[0]!.businessunitid;
  const roles = await call(
    em,
    `${base}/roles?$select=roleid&$filter=name eq 'System Administrator' and _businessunitid_value eq ${buId}`,
    { token: dvToken },
  );
  const roleId = (roles.json.value as { roleid: string }[])[0]!.roleid;
  const out: { setupId: string; appId: string; keyId: string; notAfter: number }[] = [];
  for (let i = 0; i < SETUPS; i += 20) {
    const batch = Array.from({ length: Math.min(20, SETUPS - i) }, (_, k) =>
      seedOne(graph, { token: dvToken, buId, roleId }, i + k),
    );
    out.push(...(await Promise.all(batch)));
  }
  return out;
}

/** Token requests at a fixed rate over the first setups, until `stop` is called. */
const vendAtRate = (setupIds: string[]) =>
  loopAtRate({
    port,
    method: 'POST',
    pathOf: (n) => `/api/v1/connections/${setupIds[n % setupIds.length]!}/token`,
    headers: { authorization: `Bearer ${apiKey}` },
    rate: VEND_RATE,
  });

/** Setups whose rotation really happened: new key active here, old key gone and new key present at Microsoft. */
async function reallyRotated(): Promise<number> {
  const active = new Map(
    (
      await app.store.db
        .selectFrom('credentials')
        .select(['setup_id', 'secret_key_id'])
        .where('active', '=', 1)
        .execute()
    ).map((r) => [r.setup_id, r.secret_key_id]),
  );
  const keysAtMicrosoft = new Map(
    (await emulator.state()).applications.map((a) => [
      a.appId,
      new Set(a.keyCredentials.map((k) => k.keyId)),
    ]),
  );
  return seeded.filter((s) => {
    const now = active.get(s.setupId);
    const keys = keysAtMicrosoft.get(s.appId);
    return now && now !== s.keyId && keys?.has(now) && !keys.has(s.keyId);
  }).length;
}

const seedStart = performance.now();
const seeded = await seed();
const seedSeconds = (performance.now() - seedStart) / 1000;
const vended = seeded.slice(0, VEND_SETUPS).map((s) => s.setupId);

// The event loop's delay (the server, the seeding and the token client share it), per phase: 10 ms resolution.
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
const loopDelayP99Ms = () => Number((loopDelay.percentile(99) / 1e6).toFixed(1));
const loopDelayMaxMs = () => Number((loopDelay.max / 1e6).toFixed(1));
loopDelay.enable();

// Idle: the same token traffic with nothing due.
loopDelay.reset();
const stopIdle = vendAtRate(vended);
await new Promise((r) => setTimeout(r, 8_000));
const idle = await stopIdle();
const eventLoopP99MsIdle = loopDelayP99Ms();
const eventLoopMaxMsIdle = loopDelayMaxMs();

// Everything falls due at once: the server's and the emulator's clocks move to 60 days before the latest expiry.
const latest = Math.max(...seeded.map((s) => s.notAfter));
const target = latest - 60 * DAY_MS + 60_000;
clock.set(new Date(target));
await emulator.advanceClock(Math.max(0, target - (await emulator.now())));
const rotationStart = performance.now();
loopDelay.reset();
const stopDuring = vendAtRate(vended);
const countBy = async (status: string) =>
  Number(
    (
      await app.store.db
        .selectFrom('credential_rotations')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('status', '=', status)
        .executeTakeFirstOrThrow()
    ).n,
  );
for (;;) {
  await new Promise((r) => setTimeout(r, 500));
  const done = await countBy('completed');
  if (done >= SETUPS || performance.now() - rotationStart > 30 * 60_000) break;
}
const rotationSeconds = (performance.now() - rotationStart) / 1000;
const during = await stopDuring();
const eventLoopP99MsDuringRotation = loopDelayP99Ms();
const eventLoopMaxMsDuringRotation = loopDelayMaxMs();
loopDelay.disable();
const completed = await countBy('completed');
const rotated = await reallyRotated();
const failed = Number(
  (
    await app.store.db
      .selectFrom('credential_rotations')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('failures', '>', 0)
      .executeTakeFirstOrThrow()
  ).n,
);
const peakRss = await peakRssMb();
await app.close();
await emulator.close();

report(
  'rotation',
  [
    { phase: 'idle', answered: idle.count, errors: idle.errors, 'p99 ms': idle.p99Ms },
    { phase: 'during rotation', answered: during.count, errors: during.errors, 'p99 ms': during.p99Ms },
  ],
  {
    setups: SETUPS,
    rotated,
    completed,
    failed,
    rotationSeconds: Number(rotationSeconds.toFixed(1)),
    rotationsPerSec: Number((rotated / rotationSeconds).toFixed(2)),
    tokenP99MsIdle: idle.p99Ms,
    tokenP99MsDuringRotation: during.p99Ms,
    eventLoopP99MsIdle,
    eventLoopP99MsDuringRotation,
    eventLoopMaxMsIdle,
    eventLoopMaxMsDuringRotation,
    tokensAnsweredIdle: idle.count,
    tokensAnsweredDuringRotation: during.count,
    tokenErrors: idle.errors + during.errors,
    peakRssMb: peakRss,
    loadAverage1m: Number(loadavg()[0]!.toFixed(2)),
    seedSeconds: Number(seedSeconds.toFixed(1)),
  },
);
process.exit(rotated === SETUPS && failed === 0 && idle.errors + during.errors === 0 ? 0 : 1);
