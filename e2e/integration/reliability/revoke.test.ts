import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, sleep } from './support/timing.ts';
import { type EmulatorProc } from './support/emulator-process.ts';
import { provision } from './support/microsoft-flows.ts';
import { type PgDatabase } from './support/postgres.ts';
import { newApiKey, newKey, startServer, type ServerProc } from './support/server-process.ts';
import { apiClient } from './support/api-client.ts';
import { createSetup, handoffBody, stateOf, wizardUpTo } from './support/setup-flows.ts';
import { startWorld, stopWorld } from './support/world.ts';

/**
 * A revoke that sticks, with real server processes on one PostgreSQL: a revoke that lands while a verification
 * waits on Microsoft, or while a hand-off holds its transaction open, leaves the setup revoked for good. Its jobs
 * are cancelled, no verification is recorded, no token is vended and the invite link stays dead.
 */
const api = apiClient([]);
const apiKey = newApiKey();
let db: PgDatabase;
let emu: EmulatorProc;
let a: ServerProc;
let b: ServerProc;

const jobsOf = (setupId: string) =>
  db.query<{ kind: string; status: string }>('select kind, status from jobs where setup_id = $1', [setupId]);
const verifiedTraces = (setupId: string) =>
  db.query(
    `select id from audit_log where setup_id = $1 and action = 'setup.verified'
     union all select id from setup_events where setup_id = $1 and data like '%"state":"verified"%'`,
    [setupId],
  );

/** Everything a revoked setup must show: state, fenced jobs, no verification, no token, a dead link. */
async function expectRevokedForGood(setupId: string, token: string): Promise<void> {
  for (const srv of [a, b]) expect(await stateOf(api, srv.base, apiKey, setupId)).toBe('revoked');
  const jobs = await jobsOf(setupId);
  expect(jobs.filter((j) => j.status !== 'cancelled')).toEqual([]);
  expect(await verifiedTraces(setupId)).toEqual([]);
  const vend = await api.call(a.base, 'POST', `/api/v1/connections/${setupId}/token`, { token: apiKey });
  expect(vend.status).toBe(409);
  const wizard = await api.call(b.base, 'GET', '/api/v1/wizard/setup', { token });
  expect(wizard.status).toBe(401);
  expect(wizard.json<{ error: { code: string } }>().error.code).toBe('setup_revoked');
}

beforeAll(async () => {
  const world = await startWorld('kc-rel-revoke-');
  ({ db, emu } = world);
  const env = { ...world.env, KANTIV_BOOTSTRAP_API_KEY: apiKey, KANTIV_KEYS: newKey('k1') };
  [a, b] = await Promise.all([startServer('revoke-a', env), startServer('revoke-b', env)]);
}, 180_000);

afterAll(stopWorld);

describe('a revoke that sticks', { timeout: 180_000 }, () => {
  it('revoke during verification: the run waiting on WhoAmI finishes, and the setup stays revoked', async () => {
    const p = await provision(emu);
    const s = await createSetup(api, a.base, apiKey);
    await wizardUpTo(api, a.base, s.token, emu, p);
    // Dataverse answers slowly: the verifier sits in WhoAmI (then in the table read) while the revoke lands.
    await emu.control('POST', '/scenarios', { name: 'latency', service: 'dataverse', ms: 3000 });
    try {
      const handoff = await api.call(a.base, 'POST', '/api/v1/wizard/credentials', {
        token: s.token,
        body: handoffBody(emu, p),
      });
      expect(handoff.status, handoff.text).toBe(202);
      await eventually(
        () => jobsOf(s.id),
        (jobs) => jobs.some((j) => j.kind === 'verification' && j.status === 'running'),
      );
      await sleep(1000);
      const revoke = await api.call(b.base, 'POST', `/api/v1/setups/${s.id}/revoke`, { token: apiKey });
      expect(revoke.status, revoke.text).toBe(200);
      // Long enough for the held run to get WhoAmI and the table read answered and try to record its result.
      await sleep(8000);
      await expectRevokedForGood(s.id, s.token);
    } finally {
      await emu.control('DELETE', '/scenarios');
    }
  });

  it('revoke during hand-off: the hand-off that passed its checks first cannot bring the setup back', async () => {
    const p = await provision(emu);
    const s = await createSetup(api, a.base, apiKey);
    await wizardUpTo(api, a.base, s.token, emu, p);
    // Hold the setup row: the hand-off on A has read the setup (in progress), sealed and inserted the credential,
    // and waits to update the row; the revoke on B queues behind it.
    const blocker = new pg.Client({ connectionString: db.url });
    await blocker.connect();
    let handoff: Promise<{ status: number }>;
    let revoke: Promise<{ status: number; text: string }>;
    const waiting = () =>
      db.query(
        `select pid from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query ilike 'update "setups"%'`,
      );
    try {
      await blocker.query('begin');
      await blocker.query('select id from setups where id = $1 for no key update', [s.id]);
      handoff = api.call(a.base, 'POST', '/api/v1/wizard/credentials', {
        token: s.token,
        body: handoffBody(emu, p),
      });
      await eventually(waiting, (rows) => rows.length === 1);
      revoke = api.call(b.base, 'POST', `/api/v1/setups/${s.id}/revoke`, { token: apiKey });
      await eventually(waiting, (rows) => rows.length === 2);
      await blocker.query('rollback');
    } finally {
      await blocker.end();
    }
    // Whichever commits first, the revoke wins: the hand-off is accepted (then fenced) or refused.
    expect([202, 409]).toContain((await handoff).status);
    const revoked = await revoke;
    expect(revoked.status, revoked.text).toBe(200);
    // Room for a verification job, had one survived, to be claimed and run against the emulator.
    await sleep(5000);
    await expectRevokedForGood(s.id, s.token);
  });
});
