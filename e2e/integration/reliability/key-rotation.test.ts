import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support/processes.ts';
import { eventually, sleep } from './support/timing.ts';
import { type EmulatorProc } from './support/emulator-process.ts';
import { provision } from './support/microsoft-flows.ts';
import { type PgDatabase } from './support/postgres.ts';
import { newApiKey, newKey, startServer, type ServerProc } from './support/server-process.ts';
import { apiClient } from './support/api-client.ts';
import { createSetup, handoffBody, stateOf, wizardUpTo } from './support/setup-flows.ts';
import { startWorld, stopWorld } from './support/world.ts';

/**
 * Key rotation under load, the documented procedure on two instances sharing PostgreSQL: (1) roll the new
 * key-encryption key out as the active key next to the old one, one instance at a time; (2) run the server's
 * `rewrap` command; (3) roll out the new key alone. Status polling and hand-offs continue the whole time. Afterwards
 * every credential is under the new kid and still decrypts and verifies (re-verification and token vending).
 */
const api = apiClient([]);
const apiKey = newApiKey();
const OLD = newKey('old');
const NEW = newKey('new');
let db: PgDatabase;
let emu: EmulatorProc;
let base: Record<string, string>;
const instances: ServerProc[] = [];
const setups: { id: string }[] = [];
const load = { polls: 0, pollErrors: [] as string[], handoffs: 0, handoffErrors: [] as string[] };

const alive = () => instances.filter((s) => s.proc.alive());

async function restart(i: number, keys: Record<string, string>) {
  const old = instances[i]!;
  await old.proc.kill('SIGTERM');
  instances[i] = await startServer(old.name, { ...base, ...keys });
}

async function onAnyInstance<T>(fn: (s: ServerProc) => Promise<T>): Promise<T> {
  let last: unknown;
  for (let attempt = 0; attempt < 20; attempt += 1) {
    for (const s of alive()) {
      try {
        return await fn(s);
      } catch (err) {
        last = err; // an instance that is shutting down refuses connections; the other one answers
      }
    }
    await sleep(100);
  }
  throw last as Error;
}

async function handOffOne(): Promise<void> {
  const p = await provision(emu);
  const s = await onAnyInstance((srv) => createSetup(api, srv.base, apiKey));
  await onAnyInstance((srv) => wizardUpTo(api, srv.base, s.token, emu, p));
  const body = handoffBody(emu, p);
  const r = await onAnyInstance((srv) =>
    api.call(srv.base, 'POST', '/api/v1/wizard/credentials', { token: s.token, body }),
  );
  if (r.status !== 202) load.handoffErrors.push(`${r.status} ${r.text.slice(0, 200)}`);
  load.handoffs += 1;
  setups.push(s);
}

function runCommand(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/src/cli/commands.ts', ...args], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

beforeAll(async () => {
  const world = await startWorld('kc-rel-rotate-');
  ({ db, emu } = world);
  base = { ...world.env, KANTIV_BOOTSTRAP_API_KEY: apiKey, JOB_LEASE_MS: '5000' };
  instances.push(await startServer('rotate-a', { ...base, KANTIV_KEYS: OLD }));
  instances.push(await startServer('rotate-b', { ...base, KANTIV_KEYS: OLD }));
  for (let i = 0; i < 4; i += 1) await handOffOne();
}, 180_000);

afterAll(stopWorld);

describe('key rotation under load', { timeout: 300_000 }, () => {
  it('adds a new key, re-wraps every credential while polling and hand-offs continue, then removes the old key', async () => {
    let running = true;
    const pollers = [0, 1].map(async () => {
      while (running) {
        const s = setups[load.polls % setups.length]!;
        try {
          const r = await onAnyInstance((srv) =>
            api.call(srv.base, 'GET', `/api/v1/setups/${s.id}/status`, { token: apiKey }),
          );
          if (r.status !== 200) load.pollErrors.push(`${r.status} ${r.text.slice(0, 200)}`);
        } catch (err) {
          load.pollErrors.push((err as Error).message);
        }
        load.polls += 1;
        await sleep(20);
      }
    });
    const handoffs = (async () => {
      while (running) {
        try {
          await handOffOne();
        } catch (err) {
          load.handoffErrors.push((err as Error).message);
        }
      }
    })();
    try {
      // 1. The new key becomes active next to the old one, one instance at a time.
      const both = { KANTIV_KEYS: `${OLD},${NEW}`, KANTIV_ACTIVE_KEY: 'new' };
      await restart(0, both);
      await restart(1, both);
      await sleep(1000);
      // 2. Re-wrap every data key under the new key, while the load goes on.
      const rewrap = await runCommand(['rewrap'], { ...base, ...both });
      expect(rewrap.code, rewrap.out).toBe(0);
      const summary = JSON.parse(rewrap.out.trim().split('\n').at(-1)!) as {
        activeKey: string;
        credentials: { rewrapped: number; failed: number };
      };
      expect(summary.activeKey).toBe('new');
      expect(summary.credentials.failed).toBe(0);
      expect(summary.credentials.rewrapped).toBeGreaterThanOrEqual(4);
      // A second run has nothing left to do.
      const again = await runCommand(['rewrap'], { ...base, ...both });
      expect(JSON.parse(again.out.trim().split('\n').at(-1)!)).toMatchObject({
        credentials: { rewrapped: 0, failed: 0 },
      });
      expect(await db.query(`select id from credentials where kid <> 'new'`)).toEqual([]);
      // 3. The old key is removed from every instance.
      await restart(0, { KANTIV_KEYS: NEW });
      await restart(1, { KANTIV_KEYS: NEW });
      await sleep(1000);
    } finally {
      running = false;
      await Promise.all([...pollers, handoffs]);
    }
    expect(load.pollErrors).toEqual([]);
    expect(load.handoffErrors).toEqual([]);
    expect(load.polls).toBeGreaterThan(50);
    expect(load.handoffs).toBeGreaterThan(4);
    expect(await db.query(`select id from credentials where kid <> 'new'`)).toEqual([]);

    // Every credential still decrypts and verifies with the new key alone.
    const [a] = alive();
    for (const s of setups)
      await eventually(
        () => stateOf(api, a!.base, apiKey, s.id),
        (st) => st === 'verified',
        90_000,
      );
    const before = Number(
      (
        await db.query<{ n: string }>(
          `select count(*) n from audit_log where action = 'credential.decrypted'`,
        )
      )[0]!.n,
    );
    for (const s of setups) {
      const r = await api.call(a!.base, 'POST', `/api/v1/setups/${s.id}/reverify`, { token: apiKey });
      expect(r.status, r.text).toBe(202);
    }
    for (const s of setups)
      await eventually(
        () => stateOf(api, a!.base, apiKey, s.id),
        (st) => st === 'verified',
        90_000,
      );
    const decrypted = await db.query<{ details: string }>(
      `select details from audit_log where action = 'credential.decrypted' order by id desc limit $1`,
      [setups.length],
    );
    expect(decrypted.every((d) => (JSON.parse(d.details) as { kid?: string }).kid === 'new')).toBe(true);
    expect(
      Number(
        (
          await db.query<{ n: string }>(
            `select count(*) n from audit_log where action = 'credential.decrypted'`,
          )
        )[0]!.n,
      ) - before,
    ).toBeGreaterThanOrEqual(setups.length);
    expect(await db.query(`select id from audit_log where action = 'credential.decrypt_failed'`)).toEqual([]);
    const vend = await api.call(a!.base, 'POST', `/api/v1/connections/${setups[0]!.id}/token`, {
      token: apiKey,
    });
    expect(vend.status, vend.text).toBe(200);
  });
});
