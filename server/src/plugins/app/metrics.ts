import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

declare module 'fastify' {
  interface FastifyInstance {
    metrics: { render(): Promise<string> };
  }
}

/**
 * Prometheus metrics without a dependency: request counts and latency per route pattern (never the raw URL, so
 * ids and query strings cannot blow up the label set), plus gauges read at scrape time.
 */
async function metrics(app: FastifyInstance) {
  const counts = new Map<string, number>();
  const histograms = new Map<string, { buckets: number[]; sum: number; count: number }>();

  // A callback hook: it runs on every response and awaits nothing, so it needs no promise.
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const key = `method="${request.method}",route="${route}",status="${reply.statusCode}"`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    const hkey = `method="${request.method}",route="${route}"`;
    const seconds = reply.elapsedTime / 1000;
    const h = histograms.get(hkey) ?? { buckets: BUCKETS.map(() => 0), sum: 0, count: 0 };
    BUCKETS.forEach((b, i) => {
      if (seconds <= b) h.buckets[i] = (h.buckets[i] ?? 0) + 1;
    });
    h.sum += seconds;
    h.count += 1;
    histograms.set(hkey, h);
    done();
  });

  app.decorate('metrics', {
    async render(): Promise<string> {
      const lines: string[] = [];
      lines.push(
        '# HELP kantiv_http_requests_total HTTP requests by route and status.',
        '# TYPE kantiv_http_requests_total counter',
      );
      for (const [k, v] of counts) lines.push(`kantiv_http_requests_total{${k}} ${v}`);
      lines.push(
        '# HELP kantiv_http_request_duration_seconds Request latency.',
        '# TYPE kantiv_http_request_duration_seconds histogram',
      );
      for (const [k, h] of histograms) {
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
