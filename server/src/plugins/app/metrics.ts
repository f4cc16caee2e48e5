import fp from 'fastify-plugin';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, preHandlerHookHandler } from 'fastify';
import { HttpError } from '../../lib/http-error.ts';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: { render(): Promise<string>; contentType: string };
    /** `/metrics` only for the scraper holding METRICS_TOKEN; no staff token, API key or setup token opens it. */
    requireMetricsToken: preHandlerHookHandler;
  }
}

/**
 * `/metrics` from prom-client: request counts and durations per route pattern (never the raw URL, so ids and query
 * strings cannot blow up the label set), gauges read from the database at scrape time, and what the services record
 * (Microsoft calls, vault operations, webhook deliveries) into the same registry.
 */
async function metrics(app: FastifyInstance) {
  const m = app.telemetry;
  // A callback hook: it runs on every response and awaits nothing, so it needs no promise.
  app.addHook('onResponse', (request, reply, done) => {
    m.request(
      request.method,
      request.routeOptions.url ?? 'unmatched',
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
    done();
  });

  const db = app.store.db;
  m.gauge('kantiv_setups', 'Setups by state.', ['state'], async (g) => {
    const rows = await db
      .selectFrom('setups')
      .select(['state', (eb) => eb.fn.countAll().as('n')])
      .groupBy('state')
      .execute();
    for (const r of rows) g.set({ state: r.state }, Number(r.n));
  });
  // A family of its own rather than a label on kantiv_setups: dashboards and alerts summing that family by state
  // keep their meaning. `unchecked`: not verified yet, or verified but its first check has not run.
  m.gauge(
    'kantiv_setups_by_health',
    'Setups by state and connection health (healthy, degraded, broken, unchecked).',
    ['state', 'health'],
    async (g) => {
      const rows = await db
        .selectFrom('setups')
        .select(['state', 'health', (eb) => eb.fn.countAll().as('n')])
        .groupBy(['state', 'health'])
        .execute();
      for (const r of rows) g.set({ state: r.state, health: r.health ?? 'unchecked' }, Number(r.n));
    },
  );
  m.gauge('kantiv_jobs', 'Background jobs by kind and status.', ['kind', 'status'], async (g) => {
    const rows = await db
      .selectFrom('jobs')
      .select(['kind', 'status', (eb) => eb.fn.countAll().as('n')])
      .groupBy(['kind', 'status'])
      .execute();
    for (const r of rows) g.set({ kind: r.kind, status: r.status }, Number(r.n));
  });
  m.gauge(
    'kantiv_job_oldest_due_age_seconds',
    'Age of the oldest queued job that is due (run_at passed), per kind: a growing value means jobs are not taken.',
    ['kind'],
    async (g) => {
      const now = new Date().toISOString();
      const rows = await db
        .selectFrom('jobs')
        .select(['kind', (eb) => eb.fn.min('run_at').as('oldest')])
        .where('status', '=', 'queued')
        .where('run_at', '<=', now)
        .groupBy('kind')
        .execute();
      for (const r of rows)
        g.set({ kind: r.kind }, Math.max(0, (Date.now() - Date.parse(String(r.oldest))) / 1000));
    },
  );
  m.gauge(
    'kantiv_live_watchers',
    'Live event subscriptions (SSE and long-polls) on this instance.',
    [],
    async (g) => {
      g.set(app.eventBus.watcherCount());
    },
  );

  // Metrics name routes, setup counts by state and job backlogs: operational detail an outsider should not map.
  // Compared as SHA-256 digests with timingSafeEqual so the answer time says nothing about the token.
  const digest = (v: string) => createHash('sha256').update(v).digest();
  const expected = app.config.metricsToken === undefined ? undefined : digest(app.config.metricsToken);
  app.decorate('requireMetricsToken', (request, _reply, done) => {
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S{1,512})\s*$/i.exec(header) : null;
    if (expected && match?.[1] && timingSafeEqual(digest(match[1]), expected)) {
      done();
      return;
    }
    done(
      new HttpError(
        401,
        'unauthorized',
        expected
          ? 'Send the metrics token (METRICS_TOKEN) as a bearer token.'
          : 'Metrics are off until METRICS_TOKEN is set on the server.',
      ),
    );
  });

  app.decorate('metrics', {
    contentType: m.registry.contentType,
    render: () => m.registry.metrics(),
  });
}

export default fp(metrics, { name: 'metrics', dependencies: ['services'] });
