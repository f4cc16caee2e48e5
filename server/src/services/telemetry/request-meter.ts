import type { Registry } from 'prom-client';

/** Prometheus' default-like buckets in seconds, shared by every duration histogram of the server. */
export const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface Series {
  method: string;
  route: string;
  /** Requests per status code. */
  statuses: Map<number, number>;
  count: number;
  sum: number;
  /** Observations per bucket (not cumulative); the last slot is above the largest bound. */
  buckets: number[];
}

interface Sample {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

/**
 * Request counts and durations per route pattern, kept in plain numbers and handed to prom-client only when
 * `/metrics` is scraped. prom-client's `inc`/`observe` validate and hash the label set on every call (≈ 2.5 µs
 * together, measured), which every request of the status hot path would pay (issue 19's budget for metrics is a
 * status/bare ratio drop of at most 0.05); a map lookup by one string costs ≈ 0.05 µs. The exported families and
 * labels are the ones prom-client's own Counter and Histogram would write.
 */
export function createRequestMeter(registry: Registry) {
  const series = new Map<string, Series>();

  function record(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${route}`;
    let s = series.get(key);
    if (!s) {
      s = {
        method,
        route,
        statuses: new Map(),
        count: 0,
        sum: 0,
        buckets: new Array<number>(SECONDS.length + 1).fill(0),
      };
      series.set(key, s);
    }
    s.statuses.set(status, (s.statuses.get(status) ?? 0) + 1);
    s.count += 1;
    s.sum += seconds;
    let i = 0;
    while (i < SECONDS.length && seconds > SECONDS[i]!) i += 1;
    s.buckets[i]! += 1;
  }

  const requests = {
    name: 'kantiv_http_requests_total',
    help: 'HTTP requests by route pattern (never the raw URL) and status.',
    type: 'counter',
    aggregator: 'sum',
    get: async () => {
      const values: Sample[] = [];
      for (const s of series.values())
        for (const [status, n] of s.statuses)
          values.push({ labels: { method: s.method, route: s.route, status }, value: n });
      return { name: requests.name, help: requests.help, type: requests.type, aggregator: 'sum', values };
    },
    reset: () => series.clear(),
  };

  const durations = {
    name: 'kantiv_http_request_duration_seconds',
    help: 'HTTP request duration by route pattern.',
    type: 'histogram',
    aggregator: 'sum',
    get: async () => {
      const values: Sample[] = [];
      const bucket = `${durations.name}_bucket`;
      for (const s of series.values()) {
        const labels = { method: s.method, route: s.route };
        let cumulative = 0;
        SECONDS.forEach((le, i) => {
          cumulative += s.buckets[i]!;
          values.push({ labels: { le, ...labels }, value: cumulative, metricName: bucket });
        });
        values.push({ labels: { le: '+Inf', ...labels }, value: s.count, metricName: bucket });
        values.push({ labels, value: s.sum, metricName: `${durations.name}_sum` });
        values.push({ labels, value: s.count, metricName: `${durations.name}_count` });
      }
      return { name: durations.name, help: durations.help, type: durations.type, aggregator: 'sum', values };
    },
    reset: () => series.clear(),
  };

  // prom-client's registry takes any object with a name and get() (its documented custom-metric contract).
  registry.registerMetric(requests as unknown as Parameters<Registry['registerMetric']>[0]);
  registry.registerMetric(durations as unknown as Parameters<Registry['registerMetric']>[0]);
  return { record };
}
export type RequestMeter = ReturnType<typeof createRequestMeter>;
