import type { HttpClient } from '../../lib/http-client.ts';
import type { TracingSettings } from './tracing-settings.ts';

/** Span attributes: plain values only, never a secret, a token or a raw URL (see docs/operations.md, "Tracing"). */
export type Attributes = Record<string, string | number | boolean>;
export type SpanKind = 'internal' | 'server' | 'client' | 'consumer';
export type SpanHandle = { setAttributes(attributes: Attributes): void };

/** What one incoming request's trace is: opaque to the Fastify hooks that carry it from hook to hook. */
export type RequestTrace = { readonly brand: 'request-trace' };

/**
 * The tracing the server does, in words of its own. The OpenTelemetry SDK stays behind it and is imported only by
 * `startTracing` (a dynamic import), so a server with tracing off loads none of it and every call site pays one
 * `undefined` check (decision 016).
 */
export interface Tracer {
  /** Runs `fn` in a new span, a child of the active one (or the root of a new trace). */
  span<T>(
    name: string,
    attributes: Attributes,
    fn: (span: SpanHandle) => Promise<T>,
    kind?: SpanKind,
  ): Promise<T>;
  spanSync<T>(name: string, attributes: Attributes, fn: () => T): T;
  /** A finished span reported after the fact (a database query timed by Kysely), only inside a traced operation. */
  record(name: string, attributes: Attributes, startMs: number, endMs: number, failed: boolean): void;
  /** The W3C `traceparent` of the active span, to hand on (a job, a webhook delivery). */
  traceparent(): string | undefined;
  /** Runs `fn` under a parent handed on as a `traceparent` (or, without one, outside any trace). */
  withParent<T>(traceparent: string | undefined, fn: () => T): T;
  /** An incoming request's server span, child of the caller's `traceparent` when it sends a valid one. */
  startRequest(method: string, headers: Record<string, string | string[] | undefined>): RequestTrace;
  /** Runs `fn` with the request's span active. */
  within<T>(trace: RequestTrace, fn: () => T): T;
  endRequest(trace: RequestTrace, route: string | undefined, status: number): void;
  /** Sends what is buffered and stops. */
  shutdown(): Promise<void>;
}

let active: Tracer | undefined;

/** The process's tracer, or undefined when tracing is off (the default). */
export function tracer(): Tracer | undefined {
  return active;
}

/** Starts the OpenTelemetry SDK (once per process: it registers itself globally). */
export async function startTracing(settings: TracingSettings & { enabled: true }): Promise<Tracer> {
  if (active) return active;
  const { createOtelTracer } = await import('./otel-tracer.ts');
  active = createOtelTracer(settings);
  return active;
}

export async function stopTracing(): Promise<void> {
  const t = active;
  active = undefined;
  await t?.shutdown();
}

/** A span around a synchronous step (a vault seal or open) when tracing is on; otherwise just the step. */
export function traceSync<T>(name: string, attributes: Attributes, fn: () => T): T {
  return active ? active.spanSync(name, attributes, fn) : fn();
}

/** The headers Microsoft answers with its own request id (Entra, Graph, Dataverse), in the order we prefer them. */
const REQUEST_ID_HEADERS = ['x-ms-request-id', 'request-id', 'x-ms-service-request-id', 'req_id'];

/**
 * The client with a span around every call when tracing is on (the client itself when off). A span names the host
 * and, for Microsoft, the path and Microsoft's request id (what Microsoft support asks for); never the query string,
 * a header or a body. A webhook receiver's path may itself be a secret (many receivers put a token there), so
 * webhook spans name the host only, and they hand our `traceparent` on to the receiver.
 */
export function tracedClient(client: HttpClient, peer: 'microsoft' | 'dataverse' | 'webhook'): HttpClient {
  const t = active;
  if (!t) return client;
  return {
    ...client,
    request(url, init = {}) {
      const target = new URL(url);
      const method = init.method ?? 'GET';
      const attributes: Attributes = {
        'http.request.method': method,
        'server.address': target.hostname,
        'kantiv.peer': peer,
        ...(peer === 'webhook' ? {} : { 'url.path': target.pathname }),
      };
      return t.span(
        peer === 'webhook' ? `${method} webhook` : `${method} ${target.hostname}`,
        attributes,
        async (span) => {
          const traceparent = peer === 'webhook' ? t.traceparent() : undefined;
          const res = await client.request(
            url,
            traceparent ? { ...init, headers: { ...init.headers, traceparent } } : init,
          );
          const requestId = REQUEST_ID_HEADERS.map((h) => res.headers[h]).find(Boolean);
          span.setAttributes({
            'http.response.status_code': res.status,
            ...(requestId && peer !== 'webhook' ? { 'microsoft.request_id': requestId } : {}),
          });
          return res;
        },
        'client',
      );
    },
  };
}
