import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Db, Store } from '../db/database.ts';
import type { JobsTable } from '../db/schema.ts';
import { systemClock, type Clock } from '../lib/clock.ts';
import { tracer } from './telemetry/tracing.ts';

const JOB_KINDS = ['verification', 'webhook', 'health', 'rotation'] as const;
export type JobKind = (typeof JOB_KINDS)[number];
export type Job = JobsTable;
export type JobOutcome =
  | { outcome: 'done' }
  | { outcome: 'failed'; error: string }
  | { outcome: 'retry'; at: Date; error: string }
  /** Runs again at `at` as a fresh job (attempts from zero): a recurring job such as a health check. */
  | { outcome: 'again'; at: Date };
export type JobHandler = (job: Job) => Promise<JobOutcome>;
type Periodic = { everyMs: number; run: () => Promise<unknown> };

const nowIso = () => new Date().toISOString();

/**
 * With tracing on, a job's id carries the `traceparent` of the request or job that queued it (`<uuid>.<traceparent>`),
 * so whichever instance runs it continues that trace: the verification job shows under the hand-off that asked for
 * it. The id is the only column a job row has for it without a migration (decision 016); ids stay opaque elsewhere.
 */
function newJobId(): string {
  const traceparent = tracer()?.traceparent();
  return traceparent ? `${randomUUID()}.${traceparent}` : randomUUID();
}
/**
 * The trace a run continues: its enqueuer's, unless the job was queued over an hour ago. A trace is one operation;
 * a job run long after (a recurring job queued again under the same row) starts a trace of its own.
 */
const parentOf = (job: Job): string | undefined =>
  Date.now() - Date.parse(job.created_at) < 3_600_000 ? job.id.split('.')[1] : undefined;

/**
 * Fences every queued or running job of a setup (a revoke, inside its transaction): a queued job never starts, and
 * a running one is marked cancelled, so its lease stops renewing and its result is not recorded (see `finish`).
 * What the running handler writes to the setup itself is refused by the lifecycle, which takes no write to a
 * revoked setup.
 */
export async function fenceSetupJobs(trx: Db, setupId: string): Promise<number> {
  const result = await trx
    .updateTable('jobs')
    .set({ status: 'cancelled', run_at: nowIso(), lease_expires_at: null, updated_at: nowIso() })
    .where('setup_id', '=', setupId)
    .where('status', 'in', ['queued', 'running'])
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/**
 * Persisted, leased background jobs. A job is claimed by setting a lease (owner + expiry); a crashed instance's
 * lease runs out and another instance takes the job over. On PostgreSQL the claim uses `FOR UPDATE SKIP LOCKED`
 * so concurrent instances never claim the same row; on SQLite one process owns the file and the claim is a single
 * atomic UPDATE. Completion is fenced on the lease owner, so a job that lost its lease cannot overwrite the result.
 */
export function createJobRunner(deps: {
  store: Store;
  instanceId: string;
  leaseMs: number;
  pollMs: number;
  /** Slots per kind (default 4 each): one kind can fill only its own slots, never another's. */
  concurrency?: Partial<Record<JobKind, number>>;
  /** A handler still running after this is given up: its job is retried later and its slot is freed. */
  maxRuntimeMs?: number;
  log: FastifyBaseLogger;
  handlers?: Partial<Record<JobKind, JobHandler>>;
  periodic?: Periodic[];
  /** When a job is due (`run_at`) is business time; leases stay on real time (how long this process holds one). */
  clock?: Clock;
}) {
  const clock = deps.clock ?? systemClock;
  const db = deps.store.db;
  const slots = (kind: JobKind) => deps.concurrency?.[kind] ?? 4;
  const maxRuntimeMs = deps.maxRuntimeMs ?? 120_000;
  const running = new Map<JobKind, number>(JOB_KINDS.map((k) => [k, 0]));
  const freeKinds = () => JOB_KINDS.filter((k) => (running.get(k) ?? 0) < slots(k));
  let stopped = true;
  let wake: (() => void) | undefined;
  const inFlight = new Set<Promise<void>>();
  const timers: NodeJS.Timeout[] = [];
  // Services that run as jobs are built after the runner (they enqueue through it): they register themselves.
  const handlers: Partial<Record<JobKind, JobHandler>> = { ...deps.handlers };
  const periodic: Periodic[] = [...(deps.periodic ?? [])];
  let loopDone: Promise<void> = Promise.resolve();

  async function claim(kinds: JobKind[]): Promise<Job | undefined> {
    const now = nowIso();
    const due = clock.now().toISOString();
    const lease = new Date(Date.now() + deps.leaseMs).toISOString();
    return db
      .updateTable('jobs')
      .set((eb) => ({
        status: 'running',
        lease_owner: deps.instanceId,
        lease_expires_at: lease,
        attempts: eb('attempts', '+', 1),
        first_attempt_at: eb.fn.coalesce('first_attempt_at', eb.val(now)),
        updated_at: now,
      }))
      .where('id', '=', (eb) =>
        eb
          .selectFrom('jobs')
          .select('id')
          .where('kind', 'in', kinds)
          .where((w) =>
            w.or([
              w.and([w('status', '=', 'queued'), w('run_at', '<=', due)]),
              w.and([w('status', '=', 'running'), w('lease_expires_at', '<', now)]),
            ]),
          )
          .orderBy('run_at')
          .limit(1)
          .$if(deps.store.dialect === 'postgres', (q) => q.forUpdate().skipLocked()),
      )
      .returningAll()
      .executeTakeFirst();
  }

  /** Fenced on the lease and on `running`: a job cancelled while it ran (a revoke) keeps `cancelled`. */
  async function finish(job: Job, result: JobOutcome): Promise<void> {
    const base = db
      .updateTable('jobs')
      .where('id', '=', job.id)
      .where('lease_owner', '=', deps.instanceId)
      .where('status', '=', 'running');
    if (result.outcome === 'again') {
      await base
        .set({
          status: 'queued',
          run_at: result.at.toISOString(),
          attempts: 0,
          first_attempt_at: null,
          lease_owner: null,
          lease_expires_at: null,
          last_error: null,
          updated_at: nowIso(),
        })
        .execute();
    } else if (result.outcome === 'retry') {
      await base
        .set({
          status: 'queued',
          run_at: result.at.toISOString(),
          lease_owner: null,
          lease_expires_at: null,
          last_error: result.error,
          updated_at: nowIso(),
        })
        .execute();
    } else {
      await base
        .set({
          status: result.outcome === 'done' ? 'done' : 'failed',
          lease_owner: null,
          lease_expires_at: null,
          last_error: result.outcome === 'failed' ? result.error : null,
          updated_at: nowIso(),
        })
        .execute();
    }
  }

  /**
   * Renews the lease while the job runs, so a job that takes longer than one lease (slow Microsoft endpoints,
   * long backoffs inside the handler) is not taken over by another instance and run twice. Only a dead instance
   * stops renewing; its lease then runs out and another instance takes the job over.
   */
  function keepLease(job: Job): () => void {
    const every = Math.max(100, Math.floor(deps.leaseMs / 3));
    const timer = setInterval(() => {
      db.updateTable('jobs')
        .set({ lease_expires_at: new Date(Date.now() + deps.leaseMs).toISOString() })
        .where('id', '=', job.id)
        .where('lease_owner', '=', deps.instanceId)
        .where('status', '=', 'running')
        .executeTakeFirst()
        .then((res) => {
          if (Number(res.numUpdatedRows) === 0) {
            deps.log.warn({ jobId: job.id, kind: job.kind }, 'job lease lost (taken over or cancelled)');
            clearInterval(timer);
          }
        })
        .catch((err: unknown) => deps.log.warn({ err, jobId: job.id }, 'could not renew a job lease'));
    }, every);
    timer.unref();
    return () => clearInterval(timer);
  }

  /** The handler's outcome, or a retry once it has run for `maxRuntimeMs` (the handler is left to settle alone). */
  async function withinRuntime(job: Job, handler: JobHandler): Promise<JobOutcome> {
    let timer: NodeJS.Timeout | undefined;
    const overrun = new Promise<JobOutcome>((resolve) => {
      timer = setTimeout(() => {
        deps.log.warn({ jobId: job.id, kind: job.kind }, 'job exceeded its maximum runtime');
        const error = 'job exceeded its maximum runtime';
        resolve(
          job.attempts >= 5
            ? { outcome: 'failed', error }
            : { outcome: 'retry', at: new Date(Date.now() + 30_000 * job.attempts), error },
        );
      }, maxRuntimeMs);
    });
    try {
      return await Promise.race([handler(job), overrun]);
    } finally {
      clearTimeout(timer);
    }
  }

  async function runJob(job: Job): Promise<void> {
    const handler = handlers[job.kind as JobKind];
    let result: JobOutcome;
    const release = keepLease(job);
    const run = (): Promise<JobOutcome> =>
      handler
        ? withinRuntime(job, handler)
        : Promise.resolve({ outcome: 'failed', error: `no handler for ${job.kind}` });
    const t = tracer();
    try {
      result = t
        ? await t.withParent(parentOf(job), () =>
            t.span(
              `job ${job.kind}`,
              jobAttributes(job),
              async (span) => {
                const r = await run();
                span.setAttributes({ 'kantiv.job.outcome': r.outcome });
                return r;
              },
              'consumer',
            ),
          )
        : await run();
    } catch (err) {
      deps.log.error({ err, jobId: job.id, kind: job.kind }, 'job failed unexpectedly');
      result = { outcome: 'retry', at: new Date(Date.now() + 5_000), error: 'internal error' };
    } finally {
      release();
    }
    await finish(job, result).catch((err: unknown) =>
      deps.log.error({ err }, 'could not record a job result'),
    );
  }

  async function loop(): Promise<void> {
    while (!stopped) {
      let claimed: Job | undefined;
      const kinds = freeKinds();
      if (kinds.length > 0) {
        try {
          claimed = await claim(kinds);
        } catch (err) {
          if (!stopped) deps.log.warn({ err }, 'job claim failed');
        }
      }
      if (claimed) {
        const kind = claimed.kind as JobKind;
        running.set(kind, (running.get(kind) ?? 0) + 1);
        const p = runJob(claimed).finally(() => {
          running.set(kind, (running.get(kind) ?? 1) - 1);
          inFlight.delete(p);
          wake?.();
        });
        inFlight.add(p);
        // SQLite's driver is synchronous: a handler that ends without real I/O (a health check deferred for its
        // tenant's limit) makes claim → run → finish one promise chain, and claiming again at once would never
        // let the event loop reach its I/O phase — every socket of the server starves (found by the rotation
        // bench: 1,000 checks of one tenant bouncing). One turn of the loop between claims.
        await new Promise<void>((resolve) => setImmediate(resolve));
        continue;
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, deps.pollMs);
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      wake = undefined;
    }
  }

  return {
    async enqueue(
      trx: Db,
      job: { kind: JobKind; setupId?: string; refId?: string; runAt?: Date },
    ): Promise<string> {
      const id = newJobId();
      const now = nowIso();
      await trx
        .insertInto('jobs')
        .values({
          id,
          kind: job.kind,
          setup_id: job.setupId ?? null,
          ref_id: job.refId ?? null,
          status: 'queued',
          run_at: (job.runAt ?? clock.now()).toISOString(),
          attempts: 0,
          first_attempt_at: null,
          lease_owner: null,
          lease_expires_at: null,
          last_error: null,
          created_at: now,
          updated_at: now,
        })
        .execute();
      return id;
    },
    /** Cancels queued (not running) jobs of a kind for a setup, e.g. an older verification superseded by a new one. */
    async cancelQueued(trx: Db, kind: JobKind, setupId: string): Promise<void> {
      await trx
        .updateTable('jobs')
        .set({ status: 'cancelled', updated_at: nowIso() })
        .where('kind', '=', kind)
        .where('setup_id', '=', setupId)
        .where('status', '=', 'queued')
        .execute();
    },
    /** The handler for one kind of job (the last registration wins). */
    register(kind: JobKind, handler: JobHandler): void {
      handlers[kind] = handler;
    },
    /** A task every `everyMs` while the runner is started (registered before `start`). */
    every(everyMs: number, run: () => Promise<unknown>): void {
      periodic.push({ everyMs, run });
    },
    kick(): void {
      wake?.();
    },
    start(): void {
      if (!stopped) return;
      stopped = false;
      loopDone = loop();
      for (const p of periodic) {
        const t = setInterval(() => {
          p.run().catch((err: unknown) => deps.log.warn({ err }, 'periodic task failed'));
        }, p.everyMs);
        t.unref();
        timers.push(t);
      }
    },
    async stop(): Promise<void> {
      stopped = true;
      wake?.();
      for (const t of timers) clearInterval(t);
      await loopDone;
      await Promise.allSettled([...inFlight]);
    },
  };
}
export type JobRunner = ReturnType<typeof createJobRunner>;

function jobAttributes(job: Job) {
  return {
    'kantiv.job.kind': job.kind,
    'kantiv.job.attempt': job.attempts,
    ...(job.setup_id ? { 'kantiv.setup_id': job.setup_id } : {}),
  };
}
