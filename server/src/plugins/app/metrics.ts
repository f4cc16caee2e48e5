import fp from 'fastify-plugin';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, preHandlerHookHandler } from 'fastify';
import { HttpError } from '../../lib/http-error.ts';

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

declare module 'fastify' {
  interface FastifyInstance {
    metrics: { render(): Promise<string> };
    /** `/metrics` only for the scraper holding METRICS_TOKEN; no staff token, API key or setup token opens it. */
    requireMetricsToken: preHandlerHookHandler;
  }
}

/**
 * Prometheus metrics without a dependency: request counts and latency per route pattern (never the raw URL, so
 * ids and query strings cannot blow up the label set), plus gauges read at scrape time.
 */
async function metrics(app: FastifyInstance) {
  // Per route and method: a label string built once, counts by status and a latency histogram. The hot path only
  // looks up two short keys; no label string is built per request.
  type Series = {
    labels: string;
    statuses: Map<number, number>;
    buckets: number[];
    sum: number;
    count: number;
  };
  const series = new Map<string, Map<string, Series>>();

  // A callback hook: it runs on every response and awaits nothing, so it needs no promise.
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    let byMethod = series.get(route);
    if (!byMethod) {
      byMethod = new Map();
      series.set(route, byMethod);
    }
    let s = byMethod.get(request.method);
    if (!s) {
      s = {
        labels: `method="${request.method}",route="${route}"`,
        statuses: new Map(),
        buckets: BUCKETS.map(() => 0),
        sum: 0,
        count: 0,
      };
      byMethod.set(request.method, s);
    }
    s.statuses.set(reply.statusCode, (s.statuses.get(reply.statusCode) ?? 0) + 1);
    const seconds = reply.elapsedTime / 1000;
    for (let i = 0; i < BUCKETS.length; i += 1) if (seconds <= BUCKETS[i]!) s.buckets[i]! += 1;
    s.sum += seconds;
    s.count += 1;
    done();
  });

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
    async render(): Promise<string> {
      const lines: string[] = [];
      lines.push(
        '# HELP kantiv_http_requests_total HTTP requests by route and status.',
        '# TYPE kantiv_http_requests_total counter',
      );
      const all = [...series.values()].flatMap((byMethod) => [...byMethod.values()]);
      for (const h of all) {
        for (const [status, n] of h.statuses) {
          lines.push(`kantiv_http_requests_total{${h.labels},status="${status}"} ${n}`);
        }
      }
      lines.push(
        '# HELP kantiv_http_request_duration_seconds Request latency.',
        '# TYPE kantiv_http_request_duration_seconds histogram',
      );
      for (const h of all) {
        const k = h.labels;
        BUCKETS.forEach((b, i) =>
          lines.push(`kantiv_http_request_duration_seconds_bucket{${k},le="${b}"} ${h.buckets[i] ?? 0}`),
        );
        lines.push(`kantiv_http_request_duration_seconds_bucket{${k},le="+Inf"} ${h.count}`);
        lines.push(`kantiv_http_request_duration_seconds_sum{${k}} ${h.sum}`);
        lines.push(`kantiv_http_request_duration_seconds_count{${k}} ${h.count}`);
      }
      const db = app.store.db;
      const states = await db
        .selectFrom('setups')
        .select(['state', (eb) => eb.fn.countAll().as('n')])
        .groupBy('state')
        .execute();
      lines.push('# HELP kantiv_setups Setups by state.', '# TYPE kantiv_setups gauge');
      for (const s of states) lines.push(`kantiv_setups{state="${s.state}"} ${Number(s.n)}`);
      const jobs = await db
        .selectFrom('jobs')
        .select(['kind', 'status', (eb) => eb.fn.countAll().as('n')])
        .groupBy(['kind', 'status'])
        .execute();
      lines.push('# HELP kantiv_jobs Background jobs by kind and status.', '# TYPE kantiv_jobs gauge');
      for (const j of jobs) lines.push(`kantiv_jobs{kind="${j.kind}",status="${j.status}"} ${Number(j.n)}`);
      lines.push(
        '# HELP kantiv_live_watchers Live event subscriptions (SSE and long-polls) on this instance.',
        '# TYPE kantiv_live_watchers gauge',
      );
      lines.push(`kantiv_live_watchers ${app.eventBus.watcherCount()}`);
      const mem = process.memoryUsage();
      lines.push('# TYPE process_resident_memory_bytes gauge', `process_resident_memory_bytes ${mem.rss}`);
      return `${lines.join('\n')}\n`;
    },
  });
}

export default fp(metrics, { name: 'metrics', dependencies: ['services'] });
