import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FastifyBaseLogger } from 'fastify';
import { openStore, type Store } from '../src/db/database.ts';
import { createJobRunner, fenceSetupJobs, type JobHandler, type JobKind } from '../src/services/jobs.ts';
import { describeDialects, freshDatabase, type TestDatabase } from './helpers/databases.ts';

/** What the runner logs, as it logs it: the operator's only view of a lost lease or an overrun. */
function capturingLog() {
  const lines: { level: string; msg: string; obj: Record<string, unknown> }[] = [];
  const at =
    (level: string) =>
    (obj: Record<string, unknown>, msg: string): void => {
      lines.push({ level, msg, obj });
    };
  const log = { warn: at('warn'), error: at('error'), info: at('info') } as unknown as FastifyBaseLogger;
  return { log, lines };
}

/** A promise and the function that resolves it. */
function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describeDialects('job runner outcomes (%s)', (dialect) => {
  let db: TestDatabase;
  let store: Store;
  beforeAll(async () => {
    db = await freshDatabase(dialect);
    store = await openStore(db.database);
  });
  afterAll(async () => {
    await store.close();
    await db.drop();
  });
  const row = (id: string) =>
    store.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const runner = (
    handlers: Partial<Record<JobKind, JobHandler>>,
    extra: Partial<Parameters<typeof createJobRunner>[0]> = {},
  ) =>
    createJobRunner({
      store,
      instanceId: `r-${randomUUID().slice(0, 6)}`,
      leaseMs: 30_000,
      pollMs: 20,
      log: capturingLog().log,
      handlers,
      ...extra,
    });

  it('a failed outcome is recorded as failed, with its error, lease released', async () => {
    const ran = deferred();
    const r = runner({
      rotation: async () => (ran.resolve(), { outcome: 'failed', error: 'gave up: nope' }),
    });
    const id = await r.enqueue(store.db, { kind: 'rotation' });
    r.start();
    await ran.promise;
    await r.stop();
    expect(await row(id)).toMatchObject({
      status: 'failed',
      last_error: 'gave up: nope',
      lease_owner: null,
      lease_expires_at: null,
      attempts: 1,
    });
  });

  it('a done outcome clears the error; "again" requeues from zero attempts at the time asked', async () => {
    const ran = deferred();
    const at = new Date(Date.now() + 7_200_000);
    const r = runner({ health: async () => (ran.resolve(), { outcome: 'again', at }) });
    const id = await r.enqueue(store.db, { kind: 'health' });
    await store.db.updateTable('jobs').set({ last_error: 'old', attempts: 3 }).where('id', '=', id).execute();
    r.start();
    await ran.promise;
    await r.stop();
    expect(await row(id)).toMatchObject({
      status: 'queued',
      run_at: at.toISOString(),
      attempts: 0,
      first_attempt_at: null,
      lease_owner: null,
      lease_expires_at: null,
      last_error: null,
    });
  });

  it('a job of a kind nobody handles fails with that reason instead of looping', async () => {
    const other = deferred();
    // A runner with a handler for rotation only: the health job is claimed (every kind has slots) and failed.
    const r = runner({ rotation: async () => (other.resolve(), { outcome: 'done' }) });
    const id = await r.enqueue(store.db, { kind: 'health', runAt: new Date(Date.now() - 60_000) });
    await r.enqueue(store.db, { kind: 'rotation' });
    r.start();
    await other.promise;
    await r.stop();
    expect(await row(id)).toMatchObject({ status: 'failed', last_error: 'no handler for health' });
  });

  it('a handler that throws is retried in 5 s with a generic error, and the crash is logged', async () => {
    const { log, lines } = capturingLog();
    const ran = deferred();
    let id = '';
    const r = runner(
      {
        rotation: async (job) => {
          if (job.id !== id) return { outcome: 'done' };
          ran.resolve();
          throw new Error('boom');
        },
      },
      { log },
    );
    id = await r.enqueue(store.db, { kind: 'rotation' });
    const before = Date.now();
    r.start();
    await ran.promise;
    await r.stop();
    const after = await row(id);
    expect(after).toMatchObject({ status: 'queued', last_error: 'internal error', lease_owner: null });
    expect(Date.parse(after.run_at)).toBeGreaterThanOrEqual(before + 5_000);
    expect(Date.parse(after.run_at)).toBeLessThanOrEqual(Date.now() + 5_000);
    expect(lines).toContainEqual({
      level: 'error',
      msg: 'job failed unexpectedly',
      obj: expect.objectContaining({ jobId: id, kind: 'rotation' }) as Record<string, unknown>,
    });
  });

  it('an overrun is retried 30 s × attempts later and logged; at the fifth attempt it fails', async () => {
    const { log, lines } = capturingLog();
    const hang: JobHandler = () => new Promise(() => undefined);
    const ids: string[] = [];
    const settled = deferred();
    const r = runner({ webhook: hang }, { log, maxRuntimeMs: 50, concurrency: { webhook: 2 } });
    for (const attempts of [1, 4]) {
      const id = await r.enqueue(store.db, { kind: 'webhook' });
      await store.db.updateTable('jobs').set({ attempts }).where('id', '=', id).execute();
      ids.push(id);
    }
    const before = Date.now();
    r.start();
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const rows = await Promise.all(ids.map(row));
      if (rows.every((x) => x.last_error === 'job exceeded its maximum runtime')) {
        settled.resolve();
        break;
      }
      await new Promise((res) => setTimeout(res, 20));
    }
    await settled.promise;
    await r.stop();
    const [second, fifth] = await Promise.all(ids.map(row));
    // Claimed at attempt 2: retried 60 s later.
    expect(second).toMatchObject({ status: 'queued', attempts: 2 });
    expect(Date.parse(second!.run_at)).toBeGreaterThanOrEqual(before + 60_000);
    expect(Date.parse(second!.run_at)).toBeLessThanOrEqual(Date.now() + 60_000);
    expect(fifth).toMatchObject({ status: 'failed', attempts: 5 });
    for (const id of ids)
      expect(lines).toContainEqual({
        level: 'warn',
        msg: 'job exceeded its maximum runtime',
        obj: { jobId: id, kind: 'webhook' },
      });
  });

  it('a job that finished in time leaves no overrun timer and no lease renewal behind', async () => {
    // Timers of one duration fire in the order they were set: by the time the hanging job's overrun and a renewal
    // of its lease are seen, any timer the quick job left behind has fired too.
    const { log, lines } = capturingLog();
    let quick = '';
    let slow = '';
    const slowRenewed = deferred();
    const leaseMs = 300;
    const r = runner(
      {
        webhook: async (job) => {
          if (job.id === quick) return { outcome: 'done' };
          const first = Date.parse(job.lease_expires_at!);
          const deadline = Date.now() + 20_000;
          while (Date.parse((await row(job.id)).lease_expires_at!) <= first) {
            if (Date.now() > deadline) throw new Error('the lease was never renewed');
            await new Promise((res) => setTimeout(res, 20));
          }
          slowRenewed.resolve();
          return new Promise(() => undefined);
        },
      },
      { log, leaseMs, maxRuntimeMs: 1_000, concurrency: { webhook: 1 } },
    );
    quick = await r.enqueue(store.db, { kind: 'webhook', runAt: new Date(Date.now() - 60_000) });
    slow = await r.enqueue(store.db, { kind: 'webhook', runAt: new Date(Date.now() - 30_000) });
    r.start();
    await slowRenewed.promise;
    const deadline = Date.now() + 20_000;
    while (!lines.some((l) => l.obj.jobId === slow && l.msg === 'job exceeded its maximum runtime')) {
      if (Date.now() > deadline) throw new Error('the overrun was never logged');
      await new Promise((res) => setTimeout(res, 20));
    }
    await r.stop();
    expect(await row(quick)).toMatchObject({ status: 'done', last_error: null });
    expect(lines.filter((l) => l.obj.jobId === quick)).toEqual([]);
    expect(lines.filter((l) => l.msg === 'job lease lost (taken over or cancelled)')).toEqual([]);
  });

  it('a runner whose lease was taken over says so once and stops renewing it', async () => {
    const { log, lines } = capturingLog();
    const started = deferred();
    const gate = deferred();
    let id = '';
    const r = runner(
      {
        // Other tests' leftovers may fall due meanwhile: only this test's job is held.
        rotation: async (job) =>
          job.id === id ? (started.resolve(), await gate.promise, { outcome: 'done' }) : { outcome: 'done' },
      },
      { log, leaseMs: 300 },
    );
    id = await r.enqueue(store.db, { kind: 'rotation' });
    r.start();
    await started.promise;
    const lease = new Date(Date.now() + 600_000).toISOString();
    await store.db
      .updateTable('jobs')
      .set({ lease_owner: 'winner', lease_expires_at: lease })
      .where('id', '=', id)
      .execute();
    const deadline = Date.now() + 20_000;
    while (!lines.some((l) => l.msg === 'job lease lost (taken over or cancelled)')) {
      if (Date.now() > deadline) throw new Error('the lost lease was never noticed');
      await new Promise((res) => setTimeout(res, 20));
    }
    gate.resolve();
    await r.stop();
    expect(lines).toContainEqual({
      level: 'warn',
      msg: 'job lease lost (taken over or cancelled)',
      obj: { jobId: id, kind: 'rotation' },
    });
    expect(await row(id)).toMatchObject({
      lease_owner: 'winner',
      lease_expires_at: lease,
      status: 'running',
    });
  });

  it('periodic tasks given at creation and registered later both run while started', async () => {
    const first = deferred();
    const second = deferred();
    const r = runner({}, { periodic: [{ everyMs: 20, run: async () => first.resolve() }] });
    r.every(20, async () => second.resolve());
    r.start();
    await Promise.all([first.promise, second.promise]);
    await r.stop();
  });

  it('fenceSetupJobs cancels the queued and running jobs of one setup only, and clears their lease', async () => {
    const r = runner({});
    const setupId = randomUUID();
    const queued = await r.enqueue(store.db, {
      kind: 'verification',
      setupId,
      runAt: new Date(Date.now() + 3_600_000),
    });
    const running = await r.enqueue(store.db, {
      kind: 'health',
      setupId,
      runAt: new Date(Date.now() + 3_600_000),
    });
    const finished = await r.enqueue(store.db, {
      kind: 'health',
      setupId,
      runAt: new Date(Date.now() + 3_600_000),
    });
    const other = await r.enqueue(store.db, {
      kind: 'verification',
      setupId: randomUUID(),
      runAt: new Date(Date.now() + 3_600_000),
    });
    await store.db
      .updateTable('jobs')
      .set({
        status: 'running',
        lease_owner: 'x',
        lease_expires_at: new Date(Date.now() + 60_000).toISOString(),
      })
      .where('id', '=', running)
      .execute();
    await store.db.updateTable('jobs').set({ status: 'done' }).where('id', '=', finished).execute();
    const before = Date.now();
    expect(await fenceSetupJobs(store.db, setupId)).toBe(2);
    for (const id of [queued, running]) {
      const fenced = await row(id);
      expect(fenced).toMatchObject({ status: 'cancelled', lease_expires_at: null });
      expect(Date.parse(fenced.run_at)).toBeGreaterThanOrEqual(before - 1);
      expect(Date.parse(fenced.updated_at)).toBeGreaterThanOrEqual(before - 1);
    }
    expect((await row(finished)).status).toBe('done');
    expect((await row(other)).status).toBe('queued');
  });
  it('kick() wakes an idle runner at once: a job queued after it went to sleep runs without waiting for the poll', async () => {
    const ran = deferred();
    let id = '';
    // A poll far beyond the test's timeout: only the wake-up can run the job in time.
    const r = runner(
      { rotation: async (job) => (job.id === id && ran.resolve(), { outcome: 'done' }) },
      { pollMs: 60_000 },
    );
    r.start();
    // The first claim (nothing of this test's due) has sent the loop to sleep once the clock-less start settles.
    await new Promise((res) => setTimeout(res, 50));
    id = await r.enqueue(store.db, { kind: 'rotation' });
    r.kick();
    await ran.promise;
    await r.stop();
    expect((await row(id)).status).toBe('done');
  });

  it('cancelQueued cancels the queued jobs of one kind and setup only', async () => {
    const r = runner({});
    const setupId = randomUUID();
    const later = new Date(Date.now() + 3_600_000);
    const mine = await r.enqueue(store.db, { kind: 'verification', setupId, runAt: later });
    const otherKind = await r.enqueue(store.db, { kind: 'health', setupId, runAt: later });
    const otherSetup = await r.enqueue(store.db, {
      kind: 'verification',
      setupId: randomUUID(),
      runAt: later,
    });
    const running = await r.enqueue(store.db, { kind: 'verification', setupId, runAt: later });
    await store.db.updateTable('jobs').set({ status: 'running' }).where('id', '=', running).execute();
    await r.cancelQueued(store.db, 'verification', setupId);
    expect((await row(mine)).status).toBe('cancelled');
    expect((await row(otherKind)).status).toBe('queued');
    expect((await row(otherSetup)).status).toBe('queued');
    expect((await row(running)).status).toBe('running');
  });

  it('stop() waits for the jobs in flight: their results are recorded when it returns', async () => {
    const started = deferred();
    const gate = deferred();
    let id = '';
    const r = runner({
      rotation: async (job) =>
        job.id === id ? (started.resolve(), await gate.promise, { outcome: 'done' }) : { outcome: 'done' },
    });
    id = await r.enqueue(store.db, { kind: 'rotation' });
    r.start();
    await started.promise;
    const stopping = r.stop();
    gate.resolve();
    await stopping;
    expect(await row(id)).toMatchObject({ status: 'done', lease_owner: null });
  });

  it('stop() waits for a job that is still working after the loop has ended', async () => {
    // The job goes on for a while after the gate opens (a slow Microsoft answer): the loop ends at once, so only
    // the wait for the jobs in flight keeps stop() from returning before the result is recorded.
    const started = deferred();
    const gate = deferred();
    let id = '';
    const r = runner({
      rotation: async (job) => {
        if (job.id !== id) return { outcome: 'done' };
        started.resolve();
        await gate.promise;
        await new Promise((res) => setTimeout(res, 500));
        return { outcome: 'done' };
      },
    });
    id = await r.enqueue(store.db, { kind: 'rotation', runAt: new Date(Date.now() - 86_400_000) });
    r.start();
    await started.promise;
    const stopping = r.stop();
    gate.resolve();
    await stopping;
    expect(await row(id)).toMatchObject({ status: 'done', lease_owner: null });
  });

  it('start() on a started runner starts no second loop: a kind with one slot still runs one job at a time', async () => {
    const first = deferred();
    const gate = deferred();
    let a = '';
    let b = '';
    const r = runner(
      {
        // Other tests' leftovers may fall due meanwhile: only this test's jobs are held.
        health: async (job) =>
          job.id === a ? (first.resolve(), await gate.promise, { outcome: 'done' }) : { outcome: 'done' },
      },
      { concurrency: { health: 1 } },
    );
    // Due long before any leftover, so these two are the first claimed; a is older than b.
    a = await r.enqueue(store.db, { kind: 'health', runAt: new Date(Date.now() - 20 * 86_400_000) });
    b = await r.enqueue(store.db, { kind: 'health', runAt: new Date(Date.now() - 19 * 86_400_000) });
    r.start();
    r.start();
    await first.promise;
    // A second loop would have sent its claim together with the first one's (before either was answered), so by
    // the time a runs, b would be claimed too; with one loop, b waits for a's slot.
    expect((await row(b)).status).toBe('queued');
    gate.resolve();
    await r.stop();
    expect((await row(a)).status).toBe('done');
  });

  it('a lease renewal that fails is logged with its job, and does not stop the job', async () => {
    const { log, lines } = capturingLog();
    const own = await openStore(db.database);
    const started = deferred();
    const gate = deferred();
    let id = '';
    const r = createJobRunner({
      store: own,
      instanceId: 'renewer',
      // Renewed every 100 ms: the first renewal after the store is closed fails.
      leaseMs: 300,
      pollMs: 20,
      log,
      handlers: {
        rotation: async (job) =>
          job.id === id ? (started.resolve(), await gate.promise, { outcome: 'done' }) : { outcome: 'done' },
      },
    });
    id = await r.enqueue(store.db, { kind: 'rotation', runAt: new Date(Date.now() - 86_400_000) });
    r.start();
    await started.promise;
    await own.close();
    const deadline = Date.now() + 15_000;
    while (!lines.some((l) => l.msg === 'could not renew a job lease')) {
      if (Date.now() > deadline) throw new Error(`not logged: ${JSON.stringify(lines.map((l) => l.msg))}`);
      await new Promise((res) => setTimeout(res, 20));
    }
    gate.resolve();
    await r.stop();
    const renewal = lines.find((l) => l.msg === 'could not renew a job lease');
    expect(renewal).toMatchObject({ level: 'warn', obj: { jobId: id } });
    expect(renewal?.obj.err).toBeInstanceOf(Error);
  });

  it('a periodic task that fails is logged and keeps its schedule', async () => {
    const { log, lines } = capturingLog();
    let runs = 0;
    const twice = deferred();
    const r = runner({}, { log });
    r.every(20, async () => {
      runs += 1;
      if (runs === 2) twice.resolve();
      throw new Error('periodic boom');
    });
    r.start();
    await twice.promise;
    await r.stop();
    expect(lines).toContainEqual({
      level: 'warn',
      msg: 'periodic task failed',
      obj: { err: expect.objectContaining({ message: 'periodic boom' }) as Error },
    });
  });

  it('when the database goes away the result that cannot be recorded and the failed claims are logged', async () => {
    const { log, lines } = capturingLog();
    const own = await openStore(db.database);
    const started = deferred();
    const gate = deferred();
    let id = '';
    const r = createJobRunner({
      store: own,
      instanceId: 'orphan',
      leaseMs: 30_000,
      pollMs: 20,
      log,
      handlers: {
        rotation: async (job) =>
          job.id === id ? (started.resolve(), await gate.promise, { outcome: 'done' }) : { outcome: 'done' },
      },
    });
    id = await r.enqueue(store.db, { kind: 'rotation' });
    r.start();
    await started.promise;
    await own.close();
    gate.resolve();
    const deadline = Date.now() + 15_000;
    const seen = (msg: string) => lines.some((l) => l.msg === msg);
    while (!(seen('could not record a job result') && seen('job claim failed'))) {
      if (Date.now() > deadline) throw new Error(`not logged: ${JSON.stringify(lines.map((l) => l.msg))}`);
      await new Promise((res) => setTimeout(res, 20));
    }
    await r.stop();
    const levels = Object.fromEntries(lines.map((l) => [l.msg, l.level]));
    expect(levels).toMatchObject({ 'could not record a job result': 'error', 'job claim failed': 'warn' });
    expect(lines.find((l) => l.msg === 'job claim failed')?.obj.err).toBeInstanceOf(Error);
    expect(lines.find((l) => l.msg === 'could not record a job result')?.obj.err).toBeInstanceOf(Error);
  });
});
