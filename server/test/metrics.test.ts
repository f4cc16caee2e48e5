import { afterAll, beforeAll, expect, it } from 'vitest';
import { CreateWebhookResponseSchema } from '@kantiv/shared/webhooks';
import { createHttpClient } from '../src/lib/http-client.ts';
import { describeDialects } from './helpers/databases.ts';
import { parsePrometheusText, type Family } from './helpers/prometheus-text.ts';
import { bearer, createSetup, handedOffSetup, useTestApp } from './helpers/app.ts';
import { startReceiver, type Receiver } from './helpers/receiver.ts';

describeDialects('GET /metrics from prom-client, parsed as Prometheus text (%s)', (dialect) => {
  const ctx = useTestApp(dialect, { JOBS_ENABLED: 'true', WEBHOOK_ALLOW_LOOPBACK: 'true' });
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver((_req, _body, res) => res.writeHead(200).end());
  });
  afterAll(() => receiver.close());

  async function scrape(): Promise<Map<string, Family>> {
    const res = await ctx.call({ method: 'GET', url: '/metrics', headers: bearer(ctx.metricsToken) });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    return parsePrometheusText(res.body);
  }
  const family = (all: Map<string, Family>, name: string) => {
    const f = all.get(name);
    expect(f, name).toBeDefined();
    return f!;
  };
  /** The value of the one sample named `name` (the family's name by default) whose labels include `labels`. */
  const value = (f: Family, labels: Record<string, string>, name = f.name) => {
    const found = f.samples.filter(
      (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
    );
    expect(found, `${name} ${JSON.stringify(labels)}`).toHaveLength(1);
    return found[0]!.value;
  };

  it('has the default Node metrics, request durations per route pattern and the setup and job gauges', async () => {
    const setup = await createSetup(ctx);
    for (let i = 0; i < 3; i += 1)
      await ctx.call({
        method: 'GET',
        url: `/api/v1/setups/${setup.id}/status`,
        headers: bearer(ctx.apiKey),
      });
    const all = await scrape();
    for (const name of [
      'nodejs_eventloop_lag_seconds',
      'nodejs_heap_size_used_bytes',
      'nodejs_active_handles_total',
      'process_resident_memory_bytes',
    ])
      family(all, name);
    expect(family(all, 'nodejs_gc_duration_seconds').type).toBe('histogram');

    const duration = family(all, 'kantiv_http_request_duration_seconds');
    expect(duration.type).toBe('histogram');
    const route = { method: 'GET', route: '/api/v1/setups/:id/status' };
    const count = value(duration, route, 'kantiv_http_request_duration_seconds_count');
    expect(count).toBeGreaterThanOrEqual(3);
    expect(value(duration, { ...route, le: '+Inf' }, 'kantiv_http_request_duration_seconds_bucket')).toBe(
      count,
    );
    // The route pattern, never the URL: no label anywhere carries the setup's id.
    for (const f of all.values())
      for (const s of f.samples) expect(JSON.stringify(s.labels)).not.toContain(setup.id);
    const requests = family(all, 'kantiv_http_requests_total');
    expect(requests.type).toBe('counter');
    expect(value(requests, { ...route, status: '200' })).toBeGreaterThanOrEqual(3);

    const setups = family(all, 'kantiv_setups');
    expect(setups.type).toBe('gauge');
    expect(value(setups, { state: 'invited' })).toBeGreaterThanOrEqual(1);
    expect(family(all, 'kantiv_jobs').type).toBe('gauge');
    expect(family(all, 'kantiv_job_oldest_due_age_seconds').type).toBe('gauge');
    expect(value(family(all, 'kantiv_live_watchers'), {})).toBe(0);
  });

  it('counts setups per state and health, unchecked until a health check has answered', async () => {
    const before = family(await scrape(), 'kantiv_setups_by_health');
    const count = (f: Family, labels: Record<string, string>) =>
      f.samples.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value ?? 0;
    const [a, b, c] = [await createSetup(ctx), await createSetup(ctx), await createSetup(ctx)];
    // What the health checks record on a setup (services/health/checks.ts writes these columns).
    const db = ctx.app.store.db;
    await db.updateTable('setups').set({ health: 'degraded' }).where('id', '=', a.id).execute();
    await db.updateTable('setups').set({ health: 'broken' }).where('id', '=', b.id).execute();
    const after = family(await scrape(), 'kantiv_setups_by_health');
    expect(after.type).toBe('gauge');
    for (const [health, added] of [
      ['degraded', 1],
      ['broken', 1],
      ['unchecked', 1],
      ['healthy', 0],
    ] as const)
      expect(count(after, { state: 'invited', health }), health).toBe(
        count(before, { state: 'invited', health }) + added,
      );
    expect(c.id).toBeDefined();
  });

  it('counts vault operations, webhook deliveries and the Microsoft calls of a verification', async () => {
    await handedOffSetup(ctx);
    const created = CreateWebhookResponseSchema.parse(
      (
        await ctx.call({
          method: 'POST',
          url: '/api/v1/webhooks',
          headers: bearer(ctx.apiKey),
          payload: { url: `${receiver.base}/hook`, events: ['setup.verified'] },
        })
      ).json(),
    );
    await ctx.call({
      method: 'POST',
      url: `/api/v1/webhooks/${created.subscription.id}/test`,
      headers: bearer(ctx.apiKey),
    });
    // The test authority is plain http, which MSAL refuses before any request (the emulator suites make real
    // Microsoft calls): the metered client the services get is driven here against this file's receiver.
    const metered = ctx.app.telemetry.meter(createHttpClient(), 'dataverse');
    await metered.request(`${receiver.base}/api/data/v9.2/WhoAmI`);
    await expect(metered.request('http://127.0.0.1:1/')).rejects.toThrow();
    const all = await scrape();
    const ms = family(all, 'kantiv_microsoft_request_duration_seconds');
    expect(ms.type).toBe('histogram');
    const count = 'kantiv_microsoft_request_duration_seconds_count';
    expect(value(ms, { service: 'dataverse', outcome: '2xx' }, count)).toBe(1);
    expect(value(ms, { service: 'dataverse', outcome: 'error' }, count)).toBe(1);
    const vault = family(all, 'kantiv_vault_operations_total');
    expect(value(vault, { operation: 'seal', subject: 'credential', outcome: 'ok' })).toBe(1);
    expect(value(vault, { operation: 'open', subject: 'credential', outcome: 'ok' })).toBe(1);
    expect(value(vault, { operation: 'seal', subject: 'webhook_secret', outcome: 'ok' })).toBe(1);
    expect(value(vault, { operation: 'open', subject: 'webhook_secret', outcome: 'ok' })).toBe(1);
    const deliveries = family(all, 'kantiv_webhook_deliveries_total');
    expect(value(deliveries, { event: 'webhook.test', outcome: 'succeeded' })).toBe(1);
  });
});
