import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyBaseLogger } from 'fastify';
import { openStore, type Store } from '../src/db/database.ts';
import { createJobRunner, type Job } from '../src/services/jobs.ts';
import { DIALECTS, freshDatabase, type TestDatabase } from './helpers/databases.ts';

const log = {
  warn: () => undefined,
  error: () => undefined,
  info: () => undefined,
} as unknown as FastifyBaseLogger;

describe.each(DIALECTS)('leased jobs (%s)', (dialect) => {
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

  it('a retry goes back to the queue for later; a result from an instance that lost its lease is ignored', async () => {
    const runner = createJobRunner({
      store,
      instanceId: 'r1',
      leaseMs: 30_000,
      pollMs: 20,
      log,
      handlers: {},
    });
    const id = await runner.enqueue(store.db, { kind: 'webhook', runAt: new Date(Date.now() + 3_600_000) });
    const row = await store.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.status).toBe('queued');
    // Nothing due: a runner must not claim it.
    let claimed = false;
    const idle = createJobRunner({
      store,
      instanceId: 'r2',
      leaseMs: 30_000,
      pollMs: 20,
      log,
      handlers: { webhook: async (job) => ((claimed = claimed || job.id === id), { outcome: 'done' }) },
    });
    idle.start();
    await new Promise((r) => setTimeout(r, 200));
    await idle.stop();
    expect(claimed).toBe(false);
  });
  it('a job that runs longer than its lease keeps it (renewed) and is not run a second time', async () => {
    const stores =
      dialect === 'postgres' ? await Promise.all([0, 1].map(() => openStore(db.database))) : [store, store];
    let runs = 0;
    let id = '';
    const runners = stores.map((s, i) =>
      createJobRunner({
        store: s,
        instanceId: `slow-${i}`,
        leaseMs: 1000,
        pollMs: 20,
        log,
        handlers: {
          verification: async (job) => {
            if (job.id !== id) return { outcome: 'done' };
            runs += 1;
            await new Promise((r) => setTimeout(r, 3500));
            return { outcome: 'done' };
          },
        },
      }),
    );
    id = await runners[0]!.enqueue(store.db, { kind: 'verification' });
    runners.forEach((r) => r.start());
    const deadline = Date.now() + 20_000;
    for (;;) {
      const row = await store.db.selectFrom('jobs').select('status').where('id', '=', id).executeTakeFirst();
      if (row?.status === 'done' || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await Promise.all(runners.map((r) => r.stop()));
    if (dialect === 'postgres') await Promise.all(stores.map((s) => s.close()));
    const row = await store.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(runs).toBe(1);
    expect(row).toMatchObject({ status: 'done', attempts: 1 });
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
