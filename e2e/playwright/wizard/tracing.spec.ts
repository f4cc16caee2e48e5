import { startStack, type Stack } from '@kantiv/dev/stack';
import { stackTest, expect } from '../fixtures.ts';
import { startOtlpReceiver, type ExportedSpan, type OtlpReceiver } from '../support/otlp-receiver.ts';
import { CONTOSO_PRODUCTION, chooseEnvironment, connectAndFinish, openInvite, signIn } from './helpers.ts';

type TracedStack = Stack & { otlp: OtlpReceiver };

/** The wizard's stack with tracing on: the server exports to a real OTLP/HTTP (JSON) receiver this test starts. */
const test = stackTest<TracedStack>(async () => {
  const otlp = await startOtlpReceiver();
  const stack = await startStack({
    serverEnv: {
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.base,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_SERVICE_NAME: 'kantiv-connect',
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_BSP_SCHEDULE_DELAY: '200',
    },
  });
  return {
    ...stack,
    otlp,
    async close() {
      await stack.close();
      await otlp.close();
    },
  };
});

test('tracing › one trace links the wizard’s step events, the hand-off, the verification job and its Microsoft calls; no secret in any span', async ({
  page,
  stack,
}) => {
  // What must never reach a trace backend: the client secret Microsoft hands the browser, and every bearer token
  // the browser sends (the invite's setup token to us, Microsoft's access tokens to Graph and Dataverse).
  const secrets = new Set<string>();
  page.on('request', (req) => {
    const auth = req.headers().authorization;
    if (auth?.startsWith('Bearer ')) secrets.add(auth.slice(7));
  });
  page.on('response', async (res) => {
    if (!/\/addPassword$/.test(new URL(res.url()).pathname)) return;
    const body = (await res.json().catch(() => ({}))) as { secretText?: string };
    if (body.secretText) secrets.add(body.secretText);
  });

  const { setupId, token, inviteUrl } = await openInvite(page, stack, {
    customerName: 'Contoso Ltd',
    expectedTenantDomain: 'contoso.com',
  });
  await signIn(page, stack);
  await expect(page.getByTestId('preflight-ok')).toBeVisible({ timeout: 60_000 });
  await chooseEnvironment(page, /Contoso Production/);
  await expect(page.getByTestId('plan-items')).toBeVisible({ timeout: 60_000 });
  await connectAndFinish(page);
  await expect(page.getByTestId('verification')).toHaveAttribute('data-state', 'verified', {
    timeout: 120_000,
  });

  // The browser run's trace id, as the wizard keeps it for this tab.
  const runTraceId = await page.evaluate(() => sessionStorage.getItem('kantiv-connect.run-trace-id'));
  expect(runTraceId).toMatch(/^[0-9a-f]{32}$/);

  const { otlp } = stack;
  // The verification job that succeeded, found by the setup it verified.
  const job = await otlp.waitFor((spans) =>
    spans.find(
      (s) =>
        s.name === 'job verification' &&
        s.attributes['kantiv.setup_id'] === setupId &&
        s.attributes['kantiv.job.outcome'] === 'done',
    ),
  );
  expect(job.traceId, 'the job runs in the browser run’s trace').toBe(runTraceId);
  const inTrace = (spans: ExportedSpan[]) => spans.filter((s) => s.traceId === runTraceId);

  // The hand-off request is the job's parent; the wizard's step events are in the same trace.
  const handoff = await otlp.waitFor((spans) =>
    inTrace(spans).find((s) => s.name === 'POST /api/v1/wizard/credentials' && s.spanId === job.parentSpanId),
  );
  expect(handoff.attributes['http.response.status_code']).toBe(202);
  const stepEvents = await otlp.waitFor((spans) => {
    const found = inTrace(spans).filter((s) => s.name === 'POST /api/v1/wizard/events');
    return found.length >= 2 ? found : undefined;
  });
  // (Events posted after the hand-off may be refused with 409: the setup has moved on; they are traced all the same.)
  expect(stepEvents.map((s) => s.attributes['http.response.status_code'])).toContain(200);

  // The job's Microsoft calls (token from Entra, WhoAmI and the role check at Dataverse) are its descendants, each
  // with Microsoft's request id.
  const microsoft = await otlp.waitFor((spans) => {
    const trace = inTrace(spans);
    const under = (s: ExportedSpan): boolean => {
      const parent = trace.find((p) => p.spanId === s.parentSpanId);
      return parent ? parent.spanId === job.spanId || under(parent) : false;
    };
    const calls = trace.filter((s) => s.kind === 3 && s.attributes['kantiv.peer'] !== undefined && under(s));
    const hosts = new Set(calls.map((s) => s.attributes['server.address']));
    return hosts.has('login.microsoftonline.com') && hosts.has(new URL(CONTOSO_PRODUCTION).hostname)
      ? calls
      : undefined;
  });
  for (const call of microsoft) {
    expect(call.attributes['microsoft.request_id'], call.name).toMatch(/\S/);
    expect(call.attributes['url.path'], call.name).toMatch(/^\//);
  }

  // No secret anywhere in what was exported: not the client secret, no bearer token, not the invite.
  expect(secrets.size).toBeGreaterThanOrEqual(2);
  const exported = otlp.bodies.join('\n');
  for (const secret of [...secrets, token, inviteUrl, stack.apiKey])
    expect(exported.includes(secret), `a secret (${secret.slice(0, 4)}…) is in an exported span`).toBe(false);
  // Nor anything shaped like a JWT (an access or ID token the server handled itself).
  expect(exported).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\./);
});
