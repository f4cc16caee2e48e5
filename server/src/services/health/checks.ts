import type { FastifyBaseLogger } from 'fastify';
import type { HealthCause, HealthHistory } from '@kantiv/shared/connection-health';
import type { Manifest } from '@kantiv/shared/manifest';
import type { Db } from '../../db/database.ts';
import type { HealthConfig } from '../../health-config.ts';
import type { Clock } from '../../lib/clock.ts';
import type { Actor } from '../audit.ts';
import type { CredentialStore } from '../credentials.ts';
import type { Job, JobOutcome, JobRunner } from '../jobs.ts';
import type { MicrosoftClient, MicrosoftError } from '../microsoft.ts';
import { StateConflict } from '../setups/lifecycle.ts';
import { parseJson, type SetupRow } from '../setups/repository.ts';
import type { Setups } from '../setups/service.ts';
import type { Webhooks } from '../webhooks.ts';
import { unavailable, type Finding, type SetupFacts } from './drift.ts';
import { createHealthLimits } from './limits.ts';
import { probe } from './probe.ts';

const CHECKER: Actor = { kind: 'system', id: 'health-check' };
// Dataverse's service protection limits (429) and Entra's throttling: counted as throttled, not just failed.
const THROTTLE_CODES = new Set(['http_429', '0x80072321', '0x80072322', '0x80072326', 'AADSTS50196']);

type Settled = Exclude<Finding, { transient: MicrosoftError }>;

/**
 * Scheduled health checks (decision 014). Each verified setup has one recurring `health` job: it runs the probes,
 * records the answer on the setup (through the lifecycle, so the status ETag moves and watchers hear it), and queues
 * itself again one interval later, ±10 %. A sweep gives every verified setup without a job its first one, at a
 * random point of the first interval, so a fleet never checks all at once.
 */
export function createHealthChecks(deps: {
  db: Db;
  setups: Setups;
  credentials: CredentialStore;
  microsoft: MicrosoftClient;
  webhooks: Webhooks;
  jobs: JobRunner;
  config: HealthConfig;
  clock: Clock;
  log: FastifyBaseLogger;
}) {
  const { db, clock, config } = deps;
  const limits = createHealthLimits({ ...config, clock });
  const iso = (ms: number) => new Date(ms).toISOString();
  const nextCheck = () => new Date(clock.now().getTime() + config.intervalMs * (0.9 + Math.random() * 0.2));
  let checked = 0;

  function factsOf(row: SetupRow, manifest: Manifest): SetupFacts {
    return {
      clientId: row.client_id ?? '',
      environmentUrl: row.environment_url ?? '',
      roleName: row.role_name ?? manifest.roleName,
      credentialKind: row.credential_kind ?? 'client_secret',
      credentialExpiresAt: row.secret_expires_at,
      now: clock.now().getTime(),
    };
  }

  /** Writes one answer; returns the health before it and whether health or cause changed. */
  async function record(setupId: string, finding: Settled, organizationId: string | undefined) {
    const at = iso(clock.now().getTime());
    const cause = 'cause' in finding ? finding.cause : undefined;
    let before: { health: string | null; changed: boolean } = { health: null, changed: false };
    await deps.setups.change(setupId, CHECKER, async (row, trx) => {
      if (row.state !== 'verified') return {};
      const prevCode = parseJson<HealthCause>(row.health_cause ?? null)?.code;
      const changed = row.health !== finding.health || prevCode !== cause?.code;
      before = { health: row.health ?? null, changed };
      if (changed)
        await trx
          .insertInto('setup_health_history')
          .values({
            setup_id: setupId,
            at,
            health: finding.health,
            cause: cause ? JSON.stringify(cause) : null,
          })
          .execute();
      return {
        set: {
          health: finding.health,
          health_checked_at: at,
          health_since: changed ? at : (row.health_since ?? at),
          health_cause: cause ? JSON.stringify(cause) : null,
          health_unreachable_since:
            cause?.code === 'microsoft_unavailable' || cause?.code === 'environment_unavailable'
              ? row.health_unreachable_since
              : null,
          ...(finding.health === 'healthy' && organizationId && !row.health_organization_id
            ? { health_organization_id: organizationId }
            : {}),
        },
        ...(changed
          ? {
              events: [
                {
                  type: 'health' as const,
                  source: 'server' as const,
                  message: cause ? `Connection ${finding.health}: ${cause.message}` : 'Connection healthy',
                  data: { health: finding.health, ...(cause ? { cause } : {}) },
                },
              ],
              audit: 'setup.health_changed',
              details: { health: finding.health, ...(cause ? { code: cause.code } : {}) },
            }
          : {}),
      };
    });
    return before;
  }

  async function announce(
    setupId: string,
    finding: Settled,
    before: { health: string | null; changed: boolean },
  ) {
    if (!before.changed) return;
    if (finding.health === 'healthy') {
      if (before.health && before.health !== 'healthy')
        await deps.webhooks.emit('setup.recovered', setupId, 'Connection healthy again', {
          health: 'healthy',
          previousHealth: before.health,
        });
      return;
    }
    await deps.webhooks.emit('setup.degraded', setupId, finding.cause.message, {
      health: finding.health,
      cause: finding.cause,
    });
  }

  /** A run of transient failures: nothing recorded until it has lasted a whole interval, then `degraded`. */
  async function transient(row: SetupRow, e: MicrosoftError): Promise<Settled | undefined> {
    const since = row.health_unreachable_since ?? iso(clock.now().getTime());
    if (!row.health_unreachable_since)
      await deps.setups.change(row.id, CHECKER, async (r) =>
        r.state === 'verified' ? { set: { health_unreachable_since: since } } : {},
      );
    return clock.now().getTime() - Date.parse(since) >= config.intervalMs
      ? unavailable(e, since, row.environment_url ?? undefined)
      : undefined;
  }

  /** Another live health job for the setup (two instances swept at once): the younger one stands down. */
  async function duplicate(job: Job): Promise<boolean> {
    const other = await db
      .selectFrom('jobs')
      .select('id')
      .where('setup_id', '=', job.setup_id)
      .where('kind', '=', 'health')
      .where('status', 'in', ['queued', 'running'])
      .where('id', '<', job.id)
      .executeTakeFirst();
    return other !== undefined;
  }

  async function check(job: Job): Promise<JobOutcome> {
    if (!job.setup_id) return { outcome: 'failed', error: 'job without setup' };
    const row = await deps.setups.getRow(job.setup_id);
    if (row.state !== 'verified' || (await duplicate(job))) return { outcome: 'done' };
    const tenant = row.tenant_id ?? 'unknown';
    const slot = limits.acquire(tenant);
    if ('retryAt' in slot) return { outcome: 'again', at: new Date(slot.retryAt) };
    try {
      const manifest = JSON.parse(row.manifest) as Manifest;
      const { finding, organizationId } = await probe(deps, row, manifest, factsOf(row, manifest));
      checked += 1;
      let settled: Settled | undefined;
      if ('transient' in finding) {
        const e = finding.transient;
        // Throttling slows the whole tenant down; an unavailable environment only retries this setup sooner.
        if (THROTTLE_CODES.has(e.code) || e.retryAfterMs !== undefined)
          limits.slowDown(tenant, e.retryAfterMs);
        settled = await transient(row, e);
        if (!settled)
          return {
            outcome: 'again',
            at: new Date(clock.now().getTime() + Math.min(config.intervalMs / 4, 300_000)),
          };
      } else {
        limits.ok(tenant);
        settled = finding;
      }
      const before = await record(row.id, settled, organizationId);
      await announce(row.id, settled, before);
      return { outcome: 'again', at: nextCheck() };
    } catch (err) {
      if (err instanceof StateConflict) return { outcome: 'done' };
      throw err;
    } finally {
      slot.release();
    }
  }

  return {
    run: (job: Job) => check(job),

    /**
     * One check now, outside the schedule, recorded like a scheduled one: for a decision that must not rest on an
     * answer that may be stale (issue 15: another setup's connection blocks a second one only while it works).
     * Undefined when the setup is not verified or Microsoft did not answer.
     */
    async checkNow(setupId: string): Promise<Settled['health'] | undefined> {
      const row = await deps.setups.getRow(setupId);
      if (row.state !== 'verified') return undefined;
      const manifest = JSON.parse(row.manifest) as Manifest;
      const { finding, organizationId } = await probe(deps, row, manifest, factsOf(row, manifest));
      if ('transient' in finding) return undefined;
      try {
        await announce(row.id, finding, await record(row.id, finding, organizationId));
      } catch (err) {
        if (!(err instanceof StateConflict)) throw err;
      }
      return finding.health;
    },

    /** Gives every verified setup without a scheduled check its first one; returns how many were scheduled. */
    async sweep(): Promise<number> {
      let total = 0;
      for (;;) {
        const rows = await db
          .selectFrom('setups')
          .select('id')
          .where('state', '=', 'verified')
          .where((eb) =>
            eb.not(
              eb.exists(
                eb
                  .selectFrom('jobs')
                  .select('jobs.id')
                  .whereRef('jobs.setup_id', '=', 'setups.id')
                  .where('jobs.kind', '=', 'health')
                  .where('jobs.status', 'in', ['queued', 'running']),
              ),
            ),
          )
          .limit(500)
          .execute();
        if (rows.length === 0) break;
        await db.transaction().execute(async (trx) => {
          for (const r of rows)
            await deps.jobs.enqueue(trx, {
              kind: 'health',
              setupId: r.id,
              runAt: new Date(clock.now().getTime() + Math.random() * config.intervalMs),
            });
        });
        total += rows.length;
      }
      if (total > 0) deps.jobs.kick();
      return total;
    },

    /** Queues the setup's check to run at once, in place of its scheduled one (a repair link's run just ended). */
    async queueNow(trx: Db, setupId: string): Promise<void> {
      await deps.jobs.cancelQueued(trx, 'health', setupId);
      await deps.jobs.enqueue(trx, { kind: 'health', setupId, runAt: clock.now() });
    },

    /** Every change of health, newest first. */
    async history(setupId: string, limit = 50): Promise<HealthHistory> {
      const rows = await db
        .selectFrom('setup_health_history')
        .selectAll()
        .where('setup_id', '=', setupId)
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return {
        items: rows.map((r) => ({
          at: r.at,
          health: r.health as HealthHistory['items'][number]['health'],
          ...(r.cause ? { cause: JSON.parse(r.cause) as HealthCause } : {}),
        })),
      };
    },

    stats: () => ({ checked, ...limits.stats() }),
  };
}
export type HealthChecks = ReturnType<typeof createHealthChecks>;
