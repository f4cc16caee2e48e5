import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind as OtelKind,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { RequestTrace, SpanKind, Tracer } from './tracing.ts';
import type { TracingSettings } from './tracing-settings.ts';

const KINDS: Record<SpanKind, OtelKind> = {
  internal: OtelKind.INTERNAL,
  server: OtelKind.SERVER,
  client: OtelKind.CLIENT,
  consumer: OtelKind.CONSUMER,
};

type Request = RequestTrace & { span: Span; ctx: Context; method: string };

/**
 * The OpenTelemetry SDK behind our `Tracer`: spans batched and sent over OTLP/HTTP (JSON) to the configured
 * endpoint, W3C trace context in and out, the sampler from OTEL_TRACES_SAMPLER (the SDK reads it; the default is
 * parent-based always-on). Loaded only when tracing is on (see `startTracing`).
 */
export function createOtelTracer(settings: TracingSettings & { enabled: true }): Tracer {
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ ...settings.resource, 'service.name': settings.serviceName }),
    spanProcessors: [
      new BatchSpanProcessor(new OTLPTraceExporter({ url: settings.endpoint, headers: settings.headers }), {
        scheduledDelayMillis: settings.batchDelayMs,
      }),
    ],
  });
  // The async-hooks context manager (what keeps a span active across awaits) and the W3C propagator.
  provider.register({ propagator: new W3CTraceContextPropagator() });
  const tracer = provider.getTracer('kantiv-connect');

  // Only the error's class: a message can quote a token endpoint's answer, and that is not for a trace backend.
  const fail = (span: Span, err: unknown) => {
    span.setAttribute('error.type', err instanceof Error ? err.name : 'error');
    span.setStatus({ code: SpanStatusCode.ERROR });
  };

  return {
    span(name, attributes, fn, kind = 'internal') {
      return tracer.startActiveSpan(name, { kind: KINDS[kind], attributes }, async (span) => {
        try {
          return await fn(span);
        } catch (err) {
          fail(span, err);
          throw err;
        } finally {
          span.end();
        }
      });
    },
    spanSync(name, attributes, fn) {
      return tracer.startActiveSpan(name, { attributes }, (span) => {
        try {
          return fn();
        } catch (err) {
          fail(span, err);
          throw err;
        } finally {
          span.end();
        }
      });
    },
    record(name, attributes, startMs, endMs, failed) {
      // A query outside any request or job (the job poller, lease renewals) would be a trace of its own every
      // few hundred milliseconds: noise, so only queries inside a traced operation are kept.
      if (!trace.getActiveSpan()) return;
      const span = tracer.startSpan(name, { kind: OtelKind.CLIENT, attributes, startTime: startMs });
      if (failed) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end(endMs);
    },
    traceparent() {
      const carrier: Record<string, string> = {};
      propagation.inject(context.active(), carrier);
      return carrier.traceparent;
    },
    withParent(traceparent, fn) {
      const ctx = traceparent ? propagation.extract(ROOT_CONTEXT, { traceparent }) : ROOT_CONTEXT;
      return context.with(ctx, fn);
    },
    startRequest(method, headers) {
      const parent = propagation.extract(ROOT_CONTEXT, headers);
      const span = tracer.startSpan(
        method,
        { kind: OtelKind.SERVER, attributes: { 'http.request.method': method } },
        parent,
      );
      const r: Request = { brand: 'request-trace', span, ctx: trace.setSpan(parent, span), method };
      return r;
    },
    within(t, fn) {
      return context.with((t as Request).ctx, fn);
    },
    endRequest(t, route, status) {
      const { span, method } = t as Request;
      // The route pattern, never the URL: paths carry ids, and a query string could carry anything.
      if (route) span.updateName(`${method} ${route}`);
      span.setAttributes({ ...(route ? { 'http.route': route } : {}), 'http.response.status_code': status });
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    },
    async shutdown() {
      await provider.shutdown();
    },
  } satisfies Tracer;
}
