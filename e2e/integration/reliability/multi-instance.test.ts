import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './support/timing.ts';
import { type EmulatorProc } from './support/emulator-process.ts';
import { provision, type Provisioned } from './support/microsoft-flows.ts';
import { type StaffIssuer } from './support/staff-issuer.ts';
import { type PgDatabase } from './support/postgres.ts';
import { newApiKey, newKey, startServer, type ServerProc } from './support/server-process.ts';
import { apiClient, watch } from './support/api-client.ts';
import { createSetup, handoffBody, stateOf, wizardUpTo } from './support/setup-flows.ts';
import { startWorld, stopWorld } from './support/world.ts';

/**
 * Several instances as one: two real server processes on one PostgreSQL, the emulator in its own process. Live
 * events cross instances, verification jobs spread and never run twice, a SIGKILLed instance's job is finished by
 * the other, a crash in the middle of storing a credential is healed by the wizard's retry, and afterwards no
 * secret is found in any log, the database dump, the SQLite file of a single-node run, or any response.
 */
const responses: string[] = [];
const api = apiClient(responses);
const secrets: string[] = [];
const tokens: string[] = [];
const servers: ServerProc[] = [];
let dir: string;
let db: PgDatabase;
let emu: EmulatorProc;
let issuer: StaffIssuer;
let env: Record<string, string>;
let a: ServerProc;
let b: ServerProc;
const apiKey = newApiKey();
let staffRead: string;

async function start(name: string, extra: Record<string, string> = {}): Promise<ServerProc> {
  const s = await startServer(name, { ...env, ...extra });
  servers.push(s);
  return s;
}

async function provisioned(): Promise<Provisioned> {
  const p = await provision(emu);
  secrets.push(p.secretText);
  return p;
}

async function readySetup(via: ServerProc, p: Provisioned) {
  const s = await createSetup(api, via.base, apiKey);
  tokens.push(s.token);
  await wizardUpTo(api, via.base, s.token, emu, p);
  return s;
}

const verificationJobs = (setupId: string) =>
  db.query<{ id: string; status: string; attempts: number; lease_owner: string | null }>(
    `select id, status, attempts, lease_owner from jobs where kind = 'verification' and setup_id = $1`,
    [setupId],
  );

beforeAll(async () => {
  const world = await startWorld('kc-rel-multi-');
  ({ dir, db, emu, issuer } = world);
  env = { ...world.env, KANTIV_KEYS: newKey('k1'), KANTIV_BOOTSTRAP_API_KEY: apiKey, JOB_LEASE_MS: '3000' };
  // One instance first, so migrations run once; the second joins the migrated database.
  a = await start('instance-a');
  b = await start('instance-b');
  staffRead = await issuer.token(['Connect.Read']);
  tokens.push(apiKey, staffRead);
}, 180_000);

afterAll(stopWorld);

describe('several instances on one PostgreSQL', { timeout: 180_000 }, () => {
  it('a support watcher on instance A sees, live, the events posted through instance B', async () => {
    const p = await provisioned();
    const s = await createSetup(api, b.base, apiKey);
    tokens.push(s.token);
    const watcher = watch(a.base, s.id, staffRead, responses);
    expect(await watcher.opened).toBe(200);
    await eventually(
      async () => watcher.events.length,
      (n) => n >= 1,
    ); // the stored "Invite created"
    await wizardUpTo(api, b.base, s.token, emu, p);
    const stored = await db.query<{ id: number }>(
      'select id from setup_events where setup_id = $1 order by id',
      [s.id],
    );
    await eventually(
      async () => watcher.events.length,
      (n) => n >= stored.length,
      30_000,
    );
    watcher.close();
    expect(watcher.events.map((e) => e.id)).toEqual(stored.map((r) => Number(r.id)));
    expect(watcher.events.some((e) => e.data.step === 'application_user')).toBe(true);
  });

  it('verification jobs spread over both instances; each runs exactly once (jobs table and emulator log)', async () => {
    const n = 8;
    const ps = await Promise.all(Array.from({ length: n }, () => provisioned()));
    const setups = [];
    for (const [i, p] of ps.entries()) setups.push({ ...(await readySetup(i % 2 ? b : a, p)), p });
    const whoAmIBefore = await whoAmICalls();
    // Slow Dataverse so that jobs overlap and both runners are busy at once.
    const slow = await emu.control('POST', '/scenarios', { name: 'latency', service: 'dataverse', ms: 700 });
    expect(slow.status).toBe(201);
    const owners = new Map<string, Set<string>>();
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const rows = await db.query<{ id: string; lease_owner: string }>(
          `select id, lease_owner from jobs where kind = 'verification' and status = 'running'`,
        );
        for (const r of rows) owners.set(r.id, (owners.get(r.id) ?? new Set()).add(r.lease_owner));
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    try {
      await Promise.all(
        setups.map((s, i) =>
          api
            .call((i % 2 ? b : a).base, 'POST', '/api/v1/wizard/credentials', {
              token: s.token,
              body: handoffBody(emu, s.p),
            })
            .then((r) => expect(r.status, r.text).toBe(202)),
        ),
      );
      for (const s of setups)
        await eventually(
          () => stateOf(api, a.base, apiKey, s.id),
          (st) => st === 'verified',
          90_000,
        );
    } finally {
      sampling = false;
      await sampler;
      await emu.control('DELETE', '/scenarios');
    }
    const allOwners = new Set([...owners.values()].flatMap((o) => [...o]));
    expect([...allOwners].sort()).toEqual(['instance-a', 'instance-b']);
    for (const s of setups) {
      const jobs = await verificationJobs(s.id);
      expect(jobs).toHaveLength(1);
      expect(jobs[0]).toMatchObject({ status: 'done', attempts: 1 });
      expect(owners.get(jobs[0]!.id)?.size ?? 1).toBe(1);
      const runs = await db.query(
        `select id from setup_events where setup_id = $1 and type = 'verification' and status = 'running'`,
        [s.id],
      );
      expect(runs).toHaveLength(1);
    }
    // The emulator saw exactly one WhoAmI per verification: no job ran twice.
    expect((await whoAmICalls()) - whoAmIBefore).toBe(n);
  });

  it('SIGKILL of the instance running a verification: after its lease runs out the other instance finishes it', async () => {
    const p = await provisioned();
    const s = await readySetup(a, p);
    await emu.control('POST', '/scenarios', { name: 'latency', service: 'dataverse', ms: 4000 });
    try {
      const r = await api.call(a.base, 'POST', '/api/v1/wizard/credentials', {
        token: s.token,
        body: handoffBody(emu, p),
      });
      expect(r.status).toBe(202);
      const running = await eventually(
        () => verificationJobs(s.id),
        (jobs) => jobs[0]?.status === 'running' && jobs[0].lease_owner !== null,
      );
      const owner = running[0]!.lease_owner === a.name ? a : b;
      const survivor = owner === a ? b : a;
      await owner.proc.kill('SIGKILL');
      await eventually(
        () => stateOf(api, survivor.base, apiKey, s.id),
        (st) => st === 'verified',
        90_000,
      );
      const [job] = await verificationJobs(s.id);
      expect(job).toMatchObject({ status: 'done', attempts: 2, lease_owner: null });
      // The killed instance may or may not have opened the secret before it died; the survivor did, once.
      const decrypts = await db.query(
        `select id from audit_log where setup_id = $1 and action = 'credential.decrypted'`,
        [s.id],
      );
      expect(decrypts.length).toBeGreaterThanOrEqual(1);
      expect(decrypts.length).toBeLessThanOrEqual(2);
      // Bring the killed instance back for the next tests.
      const restarted = await start(owner.name);
      if (owner === a) a = restarted;
      else b = restarted;
    } finally {
      await emu.control('DELETE', '/scenarios');
    }
  });

  it('crash while a credential is being stored: the retry with the same idempotency key ends with exactly one credential, verified', async () => {
    const p = await provisioned();
    const s = await readySetup(a, p);
    const body = handoffBody(emu, p);
    // Hold the setup row (not its key, so the credential's foreign key check passes): instance A's hand-off
    // transaction inserts the sealed credential, then waits on this lock to update the setup.
    const blocker = new pg.Client({ connectionString: db.url });
    await blocker.connect();
    try {
      await blocker.query('begin');
      await blocker.query('select id from setups where id = $1 for no key update', [s.id]);
      const inFlight = api
        .call(a.base, 'POST', '/api/v1/wizard/credentials', { token: s.token, body })
        .catch((err: unknown) => err);
      await eventually(
        () =>
          db.query(
            `select pid from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query ilike 'update "setups"%'`,
          ),
        (rows) => rows.length === 1,
      );
      const uncommitted = await db.query('select id from credentials where setup_id = $1', [s.id]);
      expect(uncommitted).toHaveLength(0); // not visible: the insert is inside A's open transaction
      await a.proc.kill('SIGKILL');
      expect(await inFlight).toBeInstanceOf(Error); // the wizard saw the connection drop
      await blocker.query('rollback');
    } finally {
      await blocker.end();
    }
    // The wizard retries the same request (same idempotency key, same body) on the instance that answers.
    const retry = await api.call(b.base, 'POST', '/api/v1/wizard/credentials', { token: s.token, body });
    expect(retry.status, retry.text).toBe(202);
    a = await start('instance-a');
    const again = await api.call(a.base, 'POST', '/api/v1/wizard/credentials', { token: s.token, body });
    expect(again.status, again.text).toBe(202);
    await eventually(
      () => stateOf(api, a.base, apiKey, s.id),
      (st) => st === 'verified',
      90_000,
    );
    const creds = await db.query<{ active: number; kid: string; ciphertext: string }>(
      'select active, kid, ciphertext from credentials where setup_id = $1',
      [s.id],
    );
    expect(creds).toHaveLength(1);
    expect(creds[0]).toMatchObject({ active: 1, kid: 'k1' });
    expect(creds[0]!.ciphertext).not.toContain(p.secretText);
    expect(await verificationJobs(s.id)).toHaveLength(1);
  });

  it('a single node on SQLite runs the same flow (its file is searched below)', async () => {
    const sqliteDir = path.join(dir, 'sqlite');
    const single = await start('single-sqlite', { DATABASE_URL: '', DATA_DIR: sqliteDir });
    const p = await provisioned();
    const s = await readySetup(single, p);
    const watcher = watch(single.base, s.id, staffRead, responses);
    expect(await watcher.opened).toBe(200);
    const r = await api.call(single.base, 'POST', '/api/v1/wizard/credentials', {
      token: s.token,
      body: handoffBody(emu, p),
    });
    expect(r.status).toBe(202);
    await eventually(
      () => stateOf(api, single.base, apiKey, s.id),
      (st) => st === 'verified',
      90_000,
    );
    const vend = await api.call(single.base, 'POST', `/api/v1/connections/${s.id}/token`, { token: apiKey });
    expect(vend.status).toBe(200);
    tokens.push(vend.json<{ accessToken: string }>().accessToken);
    await eventually(
      async () =>
        watcher.events.some((e) => (e.data.data as { state?: string } | undefined)?.state === 'verified'),
      Boolean,
    );
    watcher.close();
    await single.proc.kill('SIGTERM');
  });

  it('no leak: the secrets are in no server or emulator log, the pg_dump, the SQLite file, or any response', async () => {
    // Vend a token on PostgreSQL too, so the access token and its audit trail are part of the search.
    const [verified] = await db.query<{ id: string }>(
      `select id from setups where state = 'verified' limit 1`,
    );
    const vend = await api.call(b.base, 'POST', `/api/v1/connections/${verified!.id}/token`, {
      token: apiKey,
    });
    expect(vend.status).toBe(200);
    tokens.push(vend.json<{ accessToken: string }>().accessToken);
    const emulatorLog = (await emu.control('GET', '/log')).text;
    const sqliteFile = path.join(dir, 'sqlite', 'kantiv-connect.sqlite');
    const sqlite = [sqliteFile, `${sqliteFile}-wal`]
      .filter((f) => existsSync(f))
      .map((f) => readFileSync(f).toString('latin1'))
      .join('');
    expect(sqlite.length).toBeGreaterThan(0);
    const places: Record<string, string> = {
      'server logs': servers.map((s) => s.proc.output.join('')).join('\n'),
      'emulator stdout/stderr': emu.proc.output.join(''),
      'emulator request log': emulatorLog,
      pg_dump: db.dump(),
      'SQLite file': sqlite,
      'responses of our server': responses.join('\n'),
    };
    expect(secrets.length).toBeGreaterThanOrEqual(12);
    expect(places['server logs']).toContain('Kantiv Connect API ready');
    const found: string[] = [];
    for (const [where, text] of Object.entries(places)) {
      for (const secret of secrets) if (text.includes(secret)) found.push(`a client secret in ${where}`);
      // Bearer credentials (setup tokens, API key, staff token, vended access tokens) may be in responses that
      // hand them out, never in logs or storage.
      if (where !== 'responses of our server')
        for (const t of tokens) if (text.includes(t)) found.push(`a bearer token in ${where}`);
    }
    expect(found).toEqual([]);
  });
});

async function whoAmICalls(): Promise<number> {
  const log = (await emu.control('GET', '/log')).json as { entries: { path: string; method: string }[] };
  return log.entries.filter((e) => e.method === 'GET' && /\/WhoAmI$/i.test(e.path)).length;
}
