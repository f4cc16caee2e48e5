import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { HttpClient } from '../../lib/http-client.ts';
import { createRequestMeter, SECONDS } from './request-meter.ts';

/**
 * The server's Prometheus registry (prom-client), one per app so that tests running several apps in one process
 * never share counters. Services record into it; the `/metrics` route renders it.
 */
export function createMetrics() {
  const registry = new Registry();
  // Event-loop lag, GC, heap, handles, CPU and memory of this process, as every Node service exports them.
  collectDefaultMetrics({ register: registry });
  const counter = <L extends string>(name: string, help: string, labelNames: L[]) =>
    new Counter<L>({ name, help, labelNames, registers: [registry] });
  const histogram = <L extends string>(name: string, help: string, labelNames: L[]) =>
    new Histogram<L>({ name, help, labelNames, buckets: SECONDS, registers: [registry] });
  // Every request records here: the cheap path (see request-meter.ts), exported as a counter and a histogram.
  const http = createRequestMeter(registry);
  const microsoft = histogram(
    'kantiv_microsoft_request_duration_seconds',
    'Calls the server makes to Microsoft (Entra token endpoint, Dataverse), by service and outcome.',
    ['service', 'outcome'],
  );
  const vault = counter(
    'kantiv_vault_operations_total',
    'Vault seals and opens by what was sealed and outcome.',
    ['operation', 'subject', 'outcome'],
  );
  const webhookDeliveries = counter(
    'kantiv_webhook_deliveries_total',
    'Webhook delivery attempts by event type and outcome (succeeded, retry, failed).',
    ['event', 'outcome'],
  );
  return {
    registry,
    /** One answered request: method, route pattern (never the raw URL), status, duration in seconds. */
    request: http.record,
    /** A gauge whose values are read from the database (or elsewhere) at scrape time. */
    gauge<L extends string>(
      name: string,
      help: string,
      labelNames: L[],
      collect: (g: Gauge<L>) => Promise<void>,
    ) {
      return new Gauge<L>({
        name,
        help,
        labelNames,
        registers: [registry],
        async collect() {
          this.reset();
          await collect(this);
        },
      });
    },
    vaultOp(operation: 'seal' | 'open', subject: 'credential' | 'webhook_secret', ok: boolean) {
      vault.inc({ operation, subject, outcome: ok ? 'ok' : 'error' });
    },
    webhookDelivery(event: string, outcome: 'succeeded' | 'retry' | 'failed') {
      webhookDeliveries.inc({ event, outcome });
    },
    /** The client, timing every call under `service`; the outcome is the status class, or the error's kind. */
    meter(client: HttpClient, service: 'entra' | 'dataverse'): HttpClient {
      return {
        ...client,
        async request(url, init) {
          const end = microsoft.startTimer({ service });
          try {
            const res = await client.request(url, init);
            end({ outcome: `${Math.floor(res.status / 100)}xx` });
            return res;
          } catch (err) {
            end({ outcome: err instanceof Error && err.name === 'RequestTimeout' ? 'timeout' : 'error' });
            throw err;
          }
        },
      };
    },
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
