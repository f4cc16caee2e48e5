import { expect, it } from 'vitest';
import { ApiErrorSchema } from '@kantiv/shared/errors';
import { ClientConfigSchema } from '@kantiv/shared/client-config';
import { HealthSchema, ReadinessSchema } from '@kantiv/shared/health';
import { describeDialects } from './helpers/databases.ts';
import { parsePrometheusText } from './helpers/prometheus-text.ts';
import { bearer, useTestApp } from './helpers/app.ts';

describeDialects('operations routes (%s)', (dialect) => {
  const ctx = useTestApp(dialect);

  it('GET /healthz › answers with the health contract', async () => {
    const res = await ctx.call({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(HealthSchema.parse(res.json()).service).toBe('kantiv-connect');
  });

  it('GET /readyz › checks the database and the key ring', async () => {
    const res = await ctx.call({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(200);
    expect(ReadinessSchema.parse(res.json()).checks).toMatchObject({ database: 'ok', keyring: 'ok' });
  });

  it('GET /metrics › serves Prometheus text with request counters and setup gauges', async () => {
    await ctx.call({ method: 'GET', url: '/healthz' });
    const res = await ctx.call({ method: 'GET', url: '/metrics', headers: bearer(ctx.metricsToken) });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.body).toContain('kantiv_http_requests_total{method="GET",route="/healthz",status="200"}');
    expect(res.body).toMatch(
      /kantiv_http_request_duration_seconds_count\{method="GET",route="\/healthz"\} [1-9]/,
    );
    // prom-client writes `le` first; the parser checks the +Inf bucket whatever the label order.
    const buckets = parsePrometheusText(res.body).get('kantiv_http_request_duration_seconds')!.samples;
    expect(
      buckets.filter(
        (s) => s.name.endsWith('_bucket') && s.labels.route === '/healthz' && s.labels.le === '+Inf',
      ),
    ).toHaveLength(1);
    expect(res.body).toContain('kantiv_live_watchers');
  });

  it('GET /api/v1/client-config › is public and carries no secret', async () => {
    const res = await ctx.call({ method: 'GET', url: '/api/v1/client-config' });
    expect(res.statusCode).toBe(200);
    const cfg = ClientConfigSchema.parse(res.json());
    expect(cfg.microsoft.wizardClientId).toBe(ctx.issuer.wizardClientId);
    expect(cfg.staff.tenantId).toBe(ctx.issuer.staffTenant);
  });

  it('GET /docs/json › publishes OpenAPI generated from the route schemas', async () => {
    const res = await ctx.call({ method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json<{ paths: Record<string, unknown> }>();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/setups',
        '/api/v1/wizard/credentials',
        '/api/v1/connections/{id}/token',
      ]),
    );
  });

  it('answers an unknown route with 404 in the shared error shape', async () => {
    const res = await ctx.call({ method: 'GET', url: '/api/v1/nothing-here' });
    expect(res.statusCode).toBe(404);
    expect(ApiErrorSchema.parse(res.json()).error.code).toBe('not_found');
  });

  it('sets security headers (CSP, no sniffing, no framing)', async () => {
    const res = await ctx.call({ method: 'GET', url: '/healthz' });
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('answers the API with the short API set of security headers, on success and on error', async () => {
    for (const url of ['/api/v1/client-config', '/api/v1/nothing-here', '/api/v1/setups']) {
      const res = await ctx.call({ method: 'GET', url });
      expect(res.headers['content-security-policy'], url).toBe("default-src 'none'; frame-ancestors 'none'");
      expect(res.headers['x-content-type-options'], url).toBe('nosniff');
      expect(res.headers['x-frame-options'], url).toBe('DENY');
      expect(res.headers['strict-transport-security'], url).toContain('max-age=');
      expect(res.headers['referrer-policy'], url).toBe('no-referrer');
      expect(res.headers['cross-origin-resource-policy'], url).toBe('same-origin');
    }
  });
});
