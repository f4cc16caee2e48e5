import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CreateWebhookResponseSchema } from '@kantiv/shared/webhooks';
import { openStore } from '../src/db/database.ts';
import { createHttpClient } from '../src/lib/http-client.ts';
import { startTracing, stopTracing, tracedClient, tracer } from '../src/services/telemetry/tracing.ts';
import { describeDialects } from './helpers/databases.ts';
import { bearer, bindTenant, createSetup, handoffBody, useTestApp } from './helpers/app.ts';
import { startOtlpReceiver, type ExportedSpan, type OtlpReceiver } from './helpers/otlp-receiver.ts';
import { startReceiver, type Receiver } from './helpers/receiver.ts';

/** A caller's W3C trace context: version 00, a random trace and parent span, sampled. */
function callerContext() {
  const traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01` };
}

let otlp: OtlpReceiver;
let hooks: Receiver;
const hookHeaders: Record<string, string | string[] | undefined>[] = [];
// Before the apps: tracing is started once per process, as server.ts does before it builds the app.
beforeAll(async () => {
  otlp = await startOtlpReceiver();
  await startTracing({
    enabled: true,
    endpoint: `${otlp.base}/v1/traces`,
    headers: {},
    serviceName: 'kantiv-connect-test',
    resource: {},
    batchDelayMs: 20,
  });
  hooks = await startReceiver((req, _body, res) => {
    hookHeaders.push(req.headers);
    res.writeHead(204).end();
  });
});
afterAll(async () => {
  await stopTracing();
  await otlp.close();
  await hooks.close();
});

const childOf = (spans: ExportedSpan[], parent: ExportedSpan) =>
  spans.filter((s) => s.traceId === parent.traceId && s.parentSpanId === parent.spanId);

describeDialects('OpenTelemetry traces over OTLP/HTTP JSON (%s)', (dialect) => {
  const ctx = useTestApp(dialect, { JOBS_ENABLED: 'true', WEBHOOK_ALLOW_LOOPBACK: 'true' });

  it('a request is a server span in the caller’s trace (traceparent in), with its database calls as children', async () => {
    const setup = await createSetup(ctx);
    const caller = callerContext();
    const res = await ctx.call({
      method: 'GET',
      url: `/api/v1/setups/${setup.id}`,
      headers: { ...bearer(ctx.apiKey), traceparent: caller.traceparent },
    });
    expect(res.statusCode).toBe(200);
    const request = await otlp.waitFor((spans) =>
      spans.find((s) => s.traceId === caller.traceId && s.name === 'GET /api/v1/setups/:id'),
    );
    expect(request.parentSpanId).toBe(caller.spanId);
    expect(request.kind).toBe(2); // SERVER
    expect(request.attributes).toMatchObject({
      'http.request.method': 'GET',
      'http.route': '/api/v1/setups/:id',
      'http.response.status_code': 200,
    });
    const db = await otlp.waitFor((spans) =>
      childOf(spans, request).find((s) => s.attributes['db.system.name'] !== undefined),
    );
    expect(db.attributes['db.system.name']).toBe(dialect === 'sqlite' ? 'sqlite' : 'postgresql');
    expect(String(db.attributes['db.query.text'])).toMatch(/^select /i);
    // The setup id is a query parameter, never part of the recorded SQL.
    expect(String(db.attributes['db.query.text'])).not.toContain(setup.id);
  });

  it('the hand-off seals in a vault span, and its verification job continues the same trace', async () => {
    const setup = await createSetup(ctx);
    const tenantId = await bindTenant(ctx, setup.token);
    const caller = callerContext();
    const res = await ctx.call({
      method: 'POST',
      url: '/api/v1/wizard/credentials',
      headers: { ...bearer(setup.token), traceparent: caller.traceparent },
      payload: handoffBody(tenantId),
    });
    expect(res.statusCode).toBe(202);
    const handoff = await otlp.waitFor((spans) =>
      spans.find((s) => s.traceId === caller.traceId && s.name === 'POST /api/v1/wizard/credentials'),
    );
    const seal = await otlp.waitFor((spans) => childOf(spans, handoff).find((s) => s.name === 'vault seal'));
    expect(seal.attributes).toMatchObject({ 'kantiv.vault.subject': 'credential' });
    // The job may run on any instance: its parent comes with the job row, not from this process's memory.
    const job = await otlp.waitFor((spans) =>
      spans.find((s) => s.name === 'job verification' && s.attributes['kantiv.setup_id'] === setup.id),
    );
    expect(job.traceId).toBe(caller.traceId);
    expect(job.parentSpanId).toBe(handoff.spanId);
    expect(job.kind).toBe(5); // CONSUMER
    // The run's outcome is on the span (a verification ends done, or retries while Microsoft replicates).
    expect(['done', 'retry']).toContain(job.attributes['kantiv.job.outcome']);
    // The job opens the credential to sign in with it: a vault span under the job.
    await otlp.waitFor((spans) => childOf(spans, job).find((s) => s.name === 'vault open'));
  });

  it('a job continues its enqueuer’s trace only while it is under an hour old', async () => {
    // Two rows as enqueue writes them (`<uuid>.<traceparent>`), one queued now and one two hours ago; the app's
    // own runner runs them (their setups do not exist, so they only fail: the spans are what is looked at).
    const store = await openStore(ctx.db.database);
    try {
      const recent = { setupId: randomUUID(), caller: callerContext(), createdAt: new Date() };
      const old = {
        setupId: randomUUID(),
        caller: callerContext(),
        createdAt: new Date(Date.now() - 2 * 3_600_000),
      };
      for (const j of [recent, old])
        await store.db
          .insertInto('jobs')
          .values({
            id: `${randomUUID()}.${j.caller.traceparent}`,
            kind: 'health',
            setup_id: j.setupId,
            ref_id: null,
            status: 'queued',
            run_at: new Date(Date.now() - 60_000).toISOString(),
            attempts: 0,
            first_attempt_at: null,
            lease_owner: null,
            lease_expires_at: null,
            last_error: null,
            created_at: j.createdAt.toISOString(),
            updated_at: j.createdAt.toISOString(),
          })
          .execute();
      const spanOf = (setupId: string) =>
        otlp.waitFor((spans) =>
          spans.find((s) => s.name === 'job health' && s.attributes['kantiv.setup_id'] === setupId),
        );
      const [recentSpan, oldSpan] = await Promise.all([spanOf(recent.setupId), spanOf(old.setupId)]);
      expect(recentSpan.traceId).toBe(recent.caller.traceId);
      expect(recentSpan.parentSpanId).toBe(recent.caller.spanId);
      expect(oldSpan.traceId).not.toBe(old.caller.traceId);
      expect(oldSpan.parentSpanId).not.toBe(old.caller.spanId);
    } finally {
      await store.close();
    }
  });

  it('a webhook delivery carries traceparent in the trace of the request that caused it', async () => {
    const created = CreateWebhookResponseSchema.parse(
      (
        await ctx.call({
          method: 'POST',
          url: '/api/v1/webhooks',
          headers: bearer(ctx.apiKey),
          payload: { url: `${hooks.base}/hook/s3cr3t-path-token`, events: ['setup.verified'] },
        })
      ).json(),
    );
    const caller = callerContext();
    const before = hookHeaders.length;
    const res = await ctx.call({
      method: 'POST',
      url: `/api/v1/webhooks/${created.subscription.id}/test`,
      headers: { ...bearer(ctx.apiKey), traceparent: caller.traceparent },
    });
    expect(res.statusCode).toBe(200);
    const delivered = hookHeaders.slice(before).find((h) => h['kantiv-event'] === 'webhook.test');
    const traceparent = String(delivered?.traceparent);
    expect(traceparent).toMatch(new RegExp(`^00-${caller.traceId}-[0-9a-f]{16}-01$`));
    // The header names the delivery's own client span, which names the receiver's host only: its path can be a secret.
    const delivery = await otlp.waitFor((spans) => spans.find((s) => s.spanId === traceparent.split('-')[2]));
    expect(delivery).toMatchObject({ name: 'POST webhook', kind: 3 });
    expect(delivery.attributes['server.address']).toBe('127.0.0.1');
    expect(JSON.stringify(delivery.attributes)).not.toContain('s3cr3t-path-token');
    await otlp.waitFor((spans) => spans.find((s) => s.traceId === caller.traceId && s.name === 'vault open'));
  });

  it('a Microsoft call is a client span with Microsoft’s request id, its path and never its query', async () => {
    const ms = await startReceiver((req, _body, res) =>
      res.writeHead(200, { 'content-type': 'application/json', 'x-ms-request-id': 'ms-req-7f3a' }).end('{}'),
    );
    try {
      // The client the services get for Microsoft (tracedClient around our HTTP client), driven against this
      // file's stand-in: MSAL refuses the test authority's plain http before any request (the Playwright trace
      // test makes the real calls against the emulator).
      const client = tracedClient(createHttpClient(), 'microsoft');
      const caller = callerContext();
      await tracer()!.withParent(caller.traceparent, () =>
        client.request(`${ms.base}/tenant-1/oauth2/v2.0/token?client_secret=never-recorded`, {
          method: 'POST',
        }),
      );
      const call = await otlp.waitFor((spans) =>
        spans.find((s) => s.traceId === caller.traceId && s.kind === 3),
      );
      expect(call.name).toBe('POST 127.0.0.1');
      expect(call.parentSpanId).toBe(caller.spanId);
      expect(call.attributes).toMatchObject({
        'microsoft.request_id': 'ms-req-7f3a',
        'url.path': '/tenant-1/oauth2/v2.0/token',
        'http.response.status_code': 200,
      });
      expect(JSON.stringify(otlp.bodies)).not.toContain('never-recorded');
    } finally {
      await ms.close();
    }
  });

  it('no secret, token or invite token is in any exported span', async () => {
    // A full pass that handles every kind of secret: API key, setup token (invite), client secret, signing secret.
    const setup = await createSetup(ctx);
    const tenantId = await bindTenant(ctx, setup.token);
    const body = handoffBody(tenantId);
    await ctx.call({
      method: 'POST',
      url: '/api/v1/wizard/credentials',
      headers: bearer(setup.token),
      payload: body,
    });
    const created = CreateWebhookResponseSchema.parse(
      (
        await ctx.call({
          method: 'POST',
          url: '/api/v1/webhooks',
          headers: bearer(ctx.apiKey),
          payload: { url: `${hooks.base}/hook`, events: ['setup.verified'] },
        })
      ).json(),
    );
    await ctx.call({
      method: 'POST',
      url: `/api/v1/webhooks/${created.subscription.id}/test`,
      headers: bearer(ctx.apiKey),
    });
    await ctx.call({ method: 'GET', url: '/metrics', headers: bearer(ctx.metricsToken) });
    await otlp.waitFor((spans) =>
      spans.find((s) => s.name === 'job verification' && s.attributes['kantiv.setup_id'] === setup.id),
    );
    await otlp.waitFor((spans) => spans.find((s) => s.name === 'GET /metrics'));
    const exported = otlp.bodies.join('\n');
    const secrets = {
      apiKey: ctx.apiKey,
      setupToken: setup.token,
      inviteUrl: setup.inviteUrl,
      clientSecret: body.clientSecret,
      signingSecret: created.signingSecret,
      signingSecretKey: created.signingSecret.replace(/^whsec_/, ''),
      metricsToken: ctx.metricsToken,
      staffToken: ctx.staffManage,
    };
    for (const [name, value] of Object.entries(secrets)) expect(exported, name).not.toContain(value);
    expect(exported).not.toMatch(/"(authorization|cookie)"/i);
    expect(exported).toContain(setup.id); // the search looked at real spans
  });
});
