import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FastifyBaseLogger } from 'fastify';
import { openStore, type Store } from '../src/db/database.ts';
import { createJobRunner, type Job } from '../src/services/jobs.ts';
import { describeDialects, freshDatabase, type TestDatabase } from './helpers/databases.ts';

const log = {
  warn: () => undefined,
  error: () => undefined,
  info: () => undefined,
} as unknown as FastifyBaseLogger;

describeDialects('leased jobs (%s)', (dialect) => {
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

  it('several runners share the queue and run every job exactly once', async () => {
    const runs = new Map<string, number>();
    const handler = async (job: Job) => {
      runs.set(job.id, (runs.get(job.id) ?? 0) + 1);
      await new Promise((r) => setTimeout(r, 5));
      return { outcome: 'done' as const };
    };
    // On SQLite one process owns the file, so the runners share one connection; on PostgreSQL each has its own pool.
    const stores =
      dialect === 'postgres'
        ? await Promise.all([0, 1, 2].map(() => openStore(db.database)))
        : [store, store, store];
    const runners = stores.map((s, i) =>
      createJobRunner({
        store: s,
        instanceId: `runner-${i}`,
        leaseMs: 30_000,
        pollMs: 20,
        log,
        handlers: { verification: handler },
      }),
    );
    const ids: string[] = [];
    for (let i = 0; i < 60; i += 1)
      ids.push(await runners[0]!.enqueue(store.db, { kind: 'verification', setupId: randomUUID() }));
    runners.forEach((r) => r.start());
    const deadline = Date.now() + 30_000;
    while (ids.some((id) => !runs.has(id)) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    await Promise.all(runners.map((r) => r.stop()));
    if (dialect === 'postgres') await Promise.all(stores.map((s) => s.close()));
    expect(ids.filter((id) => runs.get(id) !== 1)).toEqual([]);
    const statuses = await store.db.selectFrom('jobs').select('status').where('id', 'in', ids).execute();
    expect(new Set(statuses.map((s) => s.status))).toEqual(new Set(['done']));
  });

  it('a job that is always due again never starves the event loop: timers and sockets still get their turn', async () => {
    let runs = 0;
    const LIMIT = 2_000;
    // A recurring job whose handler ends without I/O (a health check deferred for its tenant's limit), due at once.
    const runner = createJobRunner({
      store,
      instanceId: 'hot',
      leaseMs: 30_000,
      pollMs: 20,
      log,
      // It stops recurring after LIMIT runs, so a starving loop ends and the test fails instead of hanging.
      handlers: {
        health: async () => {
          runs += 1;
          return runs < LIMIT ? { outcome: 'again' as const, at: new Date(0) } : { outcome: 'done' as const };
        },
      },
    });
    await runner.enqueue(store.db, { kind: 'health', setupId: randomUUID() });
    runner.start();
    try {
      // Without a turn of the event loop between claims this timer fires only once the job stopped recurring.
      await new Promise((r) => setTimeout(r, 20));
      const firstRuns = runs;
      expect(firstRuns).toBeGreaterThan(0);
      expect(firstRuns).toBeLessThan(LIMIT);
      await new Promise((r) => setTimeout(r, 20));
      expect(runs).toBeGreaterThan(firstRuns);
    } finally {
      await runner.stop();
    }
  });

  it('a job whose lease ran out (its instance died) is taken over by another runner', async () => {
    const id = await createJobRunner({
      store,
      instanceId: 'x',
      leaseMs: 1000,
      pollMs: 20,
      log,
      handlers: {},
    }).enqueue(store.db, { kind: 'verification' });
    await store.db
      .updateTable('jobs')
      .set({
        status: 'running',
        lease_owner: 'dead-instance',
        lease_expires_at: new Date(Date.now() - 1000).toISOString(),
      })
      .where('id', '=', id)
      .execute();
    let ranBy: string | undefined;
    const runner = createJobRunner({
      store,
      instanceId: 'survivor',
      leaseMs: 30_000,
      pollMs: 20,
      log,
      handlers: {
        verification: async (job) => {
          if (job.id === id) ranBy = job.lease_owner ?? undefined;
          return { outcome: 'done' };
        },
      },
    });
    runner.start();
    const deadline = Date.now() + 15_000;
    while (!ranBy && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await runner.stop();
    expect(ranBy).toBe('survivor');
  });

  it('a job not yet due is not claimed, even by a runner that has just claimed and run a due one', async () => {
    const enqueuer = createJobRunner({
      store,
      instanceId: 'r1',
      leaseMs: 30_000,
      pollMs: 20,
      log,
      handlers: {},
    });
    const future = await enqueuer.enqueue(store.db, {
      kind: 'webhook',
      runAt: new Date(Date.now() + 3_600_000),
    });
    const due = await enqueuer.enqueue(store.db, { kind: 'webhook' });
    // The runner reads its clock once per claim, and claims one at a time: the third reading means the second claim
    // (the first after the due job was taken, with only the future job left) has completed and its job, if any,
    // has started. Event-driven, so a slow machine cannot make this pass without that claim having run.
    let claims = 0;
    let thirdClaim!: () => void;
    const claimedTwice = new Promise<void>((r) => (thirdClaim = r));
    const clock = {
      now: () => {
        claims += 1;
        if (claims === 3) thirdClaim();
        return new Date();
      },
    };
    const seen: string[] = [];
    const idle = createJobRunner({
      store,
      instanceId: 'r2',
      leaseMs: 30_000,
      pollMs: 20,
      log,
      clock,
      handlers: {
        webhook: async (job) => {
          seen.push(job.id);
          return { outcome: 'done' };
        },
      },
    });
    idle.start();
    await claimedTwice;
    await idle.stop();
    expect(seen).toContain(due);
    expect(seen).not.toContain(future);
    const row = await store.db
      .selectFrom('jobs')
      .selectAll()
      .where('id', '=', future)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'queued', attempts: 0, lease_owner: null });
  });

  it('a retry goes back to the queue for later, with its error, lease released', async () => {
    const at = new Date(Date.now() + 3_600_000);
    let done!: () => void;
    const ran = new Promise<void>((r) => (done = r));
    const runner = createJobRunner({
      store,
      instanceId: 'retrier',
      leaseMs: 30_000,
      pollMs: 20,
      log,
      handlers: { verification: async () => (done(), { outcome: 'retry', at, error: 'later' }) },
    });
    const id = await runner.enqueue(store.db, { kind: 'verification' });
    runner.start();
    await ran;
    await runner.stop();
    const row = await store.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      status: 'queued',
      run_at: at.toISOString(),
      last_error: 'later',
      lease_owner: null,
      attempts: 1,
    });
  });

  it('a result from an instance that lost its lease is ignored: the new owner’s lease and status stand', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    const loser = createJobRunner({
      store,
      instanceId: 'loser',
      leaseMs: 30_000,
      pollMs: 20,
      log,
      handlers: { verification: async () => (started(), await gate, { outcome: 'done' }) },
    });
    const id = await loser.enqueue(store.db, { kind: 'verification' });
    loser.start();
    await running;
    // Another instance took the job over (as after an expired lease) while the first was still working on it.
    const lease = new Date(Date.now() + 60_000).toISOString();
    await store.db
      .updateTable('jobs')
      .set({ lease_owner: 'winner', lease_expires_at: lease })
      .where('id', '=', id)
      .execute();
    release();
    await loser.stop();
    const row = await store.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'running', lease_owner: 'winner', lease_expires_at: lease });
  });

  it('a job that runs longer than its lease keeps it (renewed) and is not run a second time', async () => {
    const stores =
      dialect === 'postgres' ? await Promise.all([0, 1].map(() => openStore(db.database))) : [store, store];
    const leaseMs = 1500;
    let runs = 0;
    let id = '';
    let sentinel = '';
    let sentinelRan!: () => void;
    const sentinelDone = new Promise<void>((r) => (sentinelRan = r));
    const row = () => store.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    const make = (s: Store, instanceId: string) =>
      createJobRunner({
        store: s,
        instanceId,
        leaseMs,
        pollMs: 20,
        log,
        handlers: {
          verification: async (job) => {
            if (job.id === sentinel) sentinelRan();
            if (job.id !== id) return { outcome: 'done' };
            runs += 1;
            // Event-driven: hold the job until its first lease has run out and a renewal is on record, then let a
            // second runner look at the queue (it runs the sentinel queued behind this job) before finishing.
            const first = Date.parse(job.lease_expires_at!);
            const deadline = Date.now() + 20_000;
            while (Date.now() <= first || Date.parse((await row()).lease_expires_at!) <= first) {
              if (Date.now() > deadline) throw new Error('the lease was never renewed');
              await new Promise((r) => setTimeout(r, 25));
            }
            sentinel = await second.enqueue(store.db, { kind: 'verification' });
            second.start();
            await sentinelDone;
            return { outcome: 'done' };
          },
        },
      });
    const first = make(stores[0]!, 'slow-0');
    const second = make(stores[1]!, 'slow-1');
    id = await first.enqueue(store.db, { kind: 'verification' });
    first.start();
    const deadline = Date.now() + 30_000;
    while ((await row()).status !== 'done' && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    await Promise.all([first.stop(), second.stop()]);
    if (dialect === 'postgres') await Promise.all(stores.map((s) => s.close()));
    expect(runs).toBe(1);
    expect(await row()).toMatchObject({ status: 'done', attempts: 1 });
  });

  it('a job still running after its maximum runtime is given up (retried later) and its slot freed', async () => {
    let second = false;
    let firstId = '';
    const runner = createJobRunner({
      store,
      instanceId: 'runtime',
      leaseMs: 30_000,
      pollMs: 20,
      concurrency: { webhook: 1 },
      maxRuntimeMs: 300,
      log,
      handlers: {
        webhook: (job) =>
          job.id === firstId
            ? new Promise(() => undefined) // hangs forever
            : ((second = true), Promise.resolve({ outcome: 'done' as const })),
      },
    });
    firstId = await runner.enqueue(store.db, { kind: 'webhook', runAt: new Date(Date.now() - 1000) });
    await runner.enqueue(store.db, { kind: 'webhook' });
    runner.start();
    const deadline = Date.now() + 3_000;
    while (!second && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await runner.stop();
    expect(second).toBe(true);
    const row = await store.db
      .selectFrom('jobs')
      .selectAll()
      .where('id', '=', firstId)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'queued', last_error: 'job exceeded its maximum runtime' });
  });
});
