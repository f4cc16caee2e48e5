import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTickingClock, DAY_MS, type MovableClock } from '@kantiv/server/lib/clock';
import { startEmulator, type Emulator } from '@kantiv/emulator';
import { call } from '@kantiv/emulator/test-support/helpers';
import { eventually, sleep } from '@kantiv/emulator/test-support/eventually';
import { startVerifierApp, type VerifierApp } from './support/verification-harness.ts';
import { certificateSetup, keysOf, tokenClient } from './support/credential-harness.ts';
import { createPgDatabase, type PgDatabase } from './reliability/support/postgres.ts';

/**
 * Certificate self-rotation with no admin (issue 17, decision 012): the server's clock moved forward to 60 days
 * before the certificate expires, the scheduler adds the next key with a proof the emulator validates, verifies it,
 * switches token vending and only then removes the old key — while a client asks for a token every 100 ms.
 */
let emulator: Emulator;
let v: VerifierApp | undefined;
let clock: MovableClock;
/** Set while the PostgreSQL variant runs: each server of it gets a fresh database on TEST_DATABASE_URL. */
let onPostgres = false;
const pgDatabases: PgDatabase[] = [];

beforeAll(async () => {
  emulator = await startEmulator({ replicationDelayMs: 300 });
}, 60_000);
afterEach(async () => {
  await v?.close();
  v = undefined;
  emulator.control.clearScenarios();
});
afterAll(async () => {
  await emulator?.close();
  for (const db of pgDatabases) await db.drop();
});

async function start(env: Record<string, string> = {}) {
  clock = createTickingClock();
  const database: Record<string, string> = {};
  if (onPostgres) {
    const db = await createPgDatabase();
    pgDatabases.push(db);
    database.DATABASE_URL = db.url;
  }
  v = await startVerifierApp(
    emulator,
    {
      ...database,
      VERIFICATION_SECRET_GRACE_SECONDS: '10',
      CERTIFICATE_ROTATION_SWEEP_MS: '100',
      CERTIFICATE_ROTATION_RETRY_BASE_MS: '200',
      CERTIFICATE_ROTATION_RETRY_MAX_MS: '400',
      ...env,
    },
    { clock },
  );
  // The variant really runs on the dialect it names.
  expect(v.app.store.dialect).toBe(onPostgres ? 'postgres' : 'sqlite');
  catchUpWithEmulator();
  return v;
}

/** Moves the server's clock and the emulator's (Entra's idea of certificate lifetimes) to the same moment. */
function moveBothTo(at: number) {
  clock.set(new Date(at));
  const behind = at - emulator.control.now();
  if (behind > 0) emulator.control.advanceClock(behind);
}

/** The emulator's clock only moves forward: a new server starts where an earlier test left the emulator. */
function catchUpWithEmulator() {
  clock.set(new Date(emulator.control.now()));
}

const rotationOf = (app: VerifierApp, setupId: string) =>
  app.app.store.db
    .selectFrom('credential_rotations')
    .selectAll()
    .where('setup_id', '=', setupId)
    .executeTakeFirst();

async function rotationAudit(app: VerifierApp, setupId: string) {
  const rows = await app.app.store.db
    .selectFrom('audit_log')
    .select('action')
    .where('setup_id', '=', setupId)
    .where('action', 'like', 'credential.rotation_%')
    .orderBy('id')
    .execute();
  return rows.map((r) => r.action);
}

/**
 * Once per dialect: rotation's row locks, its compare-and-set on the setup and the job lease behave alike on SQLite
 * and PostgreSQL (PostgreSQL needs TEST_DATABASE_URL; without it that variant is reported as skipped).
 */
for (const dialect of ['sqlite', 'postgres'] as const) {
  const reachable = dialect === 'sqlite' || Boolean(process.env.TEST_DATABASE_URL);
  (reachable ? describe : describe.skip)(`certificate self-rotation (${dialect})`, () => {
    beforeAll(() => {
      onPostgres = dialect === 'postgres';
    });
    rotationTests();
  });
}

function rotationTests() {
  it('rotates a certificate 60 days before it expires with no admin action, and token vending answers throughout', async () => {
    const app = await start();
    // Tokens live 2 minutes, under vending's 5-minute floor: every request mints a fresh one with the active key.
    emulator.control.setScenario({ name: 'app-token-lifetime', seconds: 120 });
    const s = await certificateSetup(emulator, app);
    const client = tokenClient(app, s.id);
    await sleep(400);
    expect(await rotationOf(app, s.id)).toBeUndefined();

    // 61 days before expiry: not yet due.
    moveBothTo(s.notAfter - 61 * DAY_MS);
    await sleep(400);
    expect(await rotationOf(app, s.id)).toBeUndefined();

    // 60 days before expiry: the scheduler rotates it on its own.
    moveBothTo(s.notAfter - 60 * DAY_MS + 60_000);
    const done = await eventually(
      () => rotationOf(app, s.id),
      (r) => r?.status === 'completed',
      45_000,
      100,
    );
    await sleep(400);
    const statuses = await client.stop();
    expect(statuses.length).toBeGreaterThan(10);
    expect(statuses.filter((x) => x !== 200)).toEqual([]);

    // Emulator state: only the new key is left on the application.
    const { keys } = await keysOf(emulator, s.appId);
    expect(keys.map((k) => k.keyId)).toEqual([done!.to_key_id]);
    expect(done!.from_key_id).toBe(s.keyId);
    expect(done!.failures).toBe(0);
    const active = await app.app.store.db
      .selectFrom('credentials')
      .selectAll()
      .where('setup_id', '=', s.id)
      .where('active', '=', 1)
      .executeTakeFirstOrThrow();
    expect(active).toMatchObject({
      id: done!.to_credential_id,
      kind: 'certificate',
      thumbprint: done!.to_thumbprint,
      secret_key_id: done!.to_key_id,
    });
    expect(active.ciphertext).not.toMatch(/PRIVATE KEY/);

    // Every step audited, in the protocol's order.
    expect(await rotationAudit(app, s.id)).toEqual([
      'credential.rotation_started',
      'credential.rotation_key_generated',
      'credential.rotation_key_added',
      'credential.rotation_key_verified',
      'credential.rotation_switched',
      'credential.rotation_completed',
    ]);
    // The proof was accepted by the emulator (addKey 200, removeKey 204), with the application's own token.
    const roll = emulator.control
      .requestLog()
      .filter((e) => e.path.startsWith(`/v1.0/applications/${s.objectId}/`))
      .filter((e) => /\/(addKey|removeKey)$/.test(e.path))
      .map((e) => `${e.path.split('/').pop()} ${e.status}`);
    expect(roll).toEqual(['addKey 200', 'removeKey 204']);

    // A vended token is minted with the new certificate and opens Dataverse.
    const vended = await app.app.inject({
      method: 'POST',
      url: `/api/v1/connections/${s.id}/token`,
      headers: app.auth,
    });
    expect(vended.statusCode).toBe(200);
    const who = await call(emulator, `${app.org().apiUrl}/api/data/v9.2/WhoAmI`, {
      token: vended.json<{ accessToken: string }>().accessToken,
    });
    expect(who.status).toBe(200);
  }, 90_000);

  it('keeps the old key working when addKey is refused, retries with backoff, and needs attention after repeated failures', async () => {
    const app = await start({ CERTIFICATE_ROTATION_ATTENTION_AFTER: '2' });
    const s = await certificateSetup(emulator, app);
    // The tenant adopted a policy that refuses self-signed certificates after the setup was made.
    emulator.control.setScenario({ name: 'certificate-credentials-blocked' });
    moveBothTo(s.notAfter - 30 * DAY_MS);

    const failing = await eventually(
      () => app.app.setups.get(s.id),
      (x) => x.attention?.kind === 'rotation_failing',
      30_000,
      100,
    );
    expect(failing.attention?.message).toMatch(/CredentialTypeNotAllowedAsPerAppPolicy/);
    expect(failing.attention?.message).toMatch(/the current certificate still works/);
    const row = await rotationOf(app, s.id);
    expect(row).toMatchObject({ status: 'generated' });
    expect(row!.failures).toBeGreaterThanOrEqual(2);
    // A retry is scheduled, and the old key still vends.
    const job = await app.app.store.db
      .selectFrom('jobs')
      .selectAll()
      .where('kind', '=', 'rotation')
      .where('setup_id', '=', s.id)
      .executeTakeFirstOrThrow();
    expect(['queued', 'running']).toContain(job.status);
    expect(job.last_error ?? '').toMatch(/CredentialTypeNotAllowedAsPerAppPolicy|^$/);
    const vended = await app.app.inject({
      method: 'POST',
      url: `/api/v1/connections/${s.id}/token`,
      headers: app.auth,
    });
    expect(vended.statusCode).toBe(200);
    expect((await keysOf(emulator, s.appId)).keys.map((k) => k.keyId)).toEqual([s.keyId]);
    const active = await app.app.store.db
      .selectFrom('credentials')
      .select('secret_key_id')
      .where('setup_id', '=', s.id)
      .where('active', '=', 1)
      .executeTakeFirstOrThrow();
    expect(active.secret_key_id).toBe(s.keyId);
    expect(await rotationAudit(app, s.id)).toContain('credential.rotation_failed');

    // The policy is lifted: the next retry goes through and the attention clears.
    emulator.control.clearScenarios();
    await eventually(
      () => rotationOf(app, s.id),
      (r) => r?.status === 'completed',
      30_000,
      100,
    );
    // The attention clears in its own write after the rotation row says completed: wait for it, not for a moment.
    const after = await eventually(
      () => app.app.setups.get(s.id),
      (x) => x.attention === undefined,
      30_000,
      100,
    );
    expect(after.attention).toBeUndefined();
    expect((await keysOf(emulator, s.appId)).keys).toHaveLength(1);
  }, 90_000);

  it("lets the event loop turn between the sweep's rotations, so a thousand certificates due at once do not hold up requests", async () => {
    // No scheduled sweep here: the test runs the one sweep itself.
    const app = await start({ CERTIFICATE_ROTATION_SWEEP_MS: '3600000' });
    const setups = [await certificateSetup(emulator, app), await certificateSetup(emulator, app)];
    moveBothTo(Math.max(...setups.map((x) => x.notAfter)) - 60 * DAY_MS + 60_000);
    let swept = false;
    const sweeping = app.app.rotation.sweep().then((n) => {
      swept = true;
      return n;
    });
    // A callback queued behind the sweep's start (as a socket's read would be) runs before the sweep is over.
    const ranDuringSweep = await new Promise<boolean>((resolve) => setImmediate(() => resolve(!swept)));
    expect(await sweeping).toBe(2);
    expect(ranDuringSweep).toBe(true);
  }, 60_000);

  it('rotates at once when support asks (a key thought compromised), long before expiry', async () => {
    const app = await start();
    const s = await certificateSetup(emulator, app);
    const r = await app.app.inject({
      method: 'POST',
      url: `/api/v1/setups/${s.id}/credential/rotate`,
      headers: app.auth,
    });
    expect(r.statusCode).toBe(202);
    const started = r.json<{ reason: string; fromThumbprint: string | null }>();
    expect(started.reason).toBe('rotate_now');
    expect(started.fromThumbprint).toMatch(/^[0-9a-f]{64}$/);
    const done = await eventually(
      () => rotationOf(app, s.id),
      (x) => x?.status === 'completed',
      30_000,
      100,
    );
    expect((await keysOf(emulator, s.appId)).keys.map((k) => k.keyId)).toEqual([done!.to_key_id]);
    const history = await app.app.rotation.history(s.id);
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ reason: 'rotate_now', status: 'completed' });
  }, 90_000);
}
