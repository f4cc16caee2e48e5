import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import type { RequestTrace, Tracer } from '../../services/telemetry/tracing.ts';

const ROUTE_HOOKS = ['onRequest', 'preParsing', 'preValidation', 'preHandler'] as const;

/**
 * One server span per request, registered only when tracing is on. The span starts in the first `onRequest` hook
 * (child of the caller's `traceparent`) and ends with the response. The route's hooks and handler are wrapped to run
 * with the span active: a body arrives on the socket's own async context, so nothing set earlier would reach the
 * handler through the body parser on its own.
 */
export function registerRequestTracing(app: FastifyInstance, t: Tracer): void {
  const traces = new WeakMap<FastifyRequest, RequestTrace>();
  type Fn = (this: unknown, request: FastifyRequest, ...rest: unknown[]) => unknown;
  const bind = (fn: Fn): Fn =>
    function (this: unknown, request, ...rest) {
      const rt = traces.get(request);
      return rt ? t.within(rt, () => fn.call(this, request, ...rest)) : fn.call(this, request, ...rest);
    };

  app.addHook('onRequest', (request, _reply, done) => {
    traces.set(request, t.startRequest(request.method, request.headers));
    done();
  });
  app.addHook('onRoute', (route: RouteOptions) => {
    const r = route as unknown as Record<string, unknown>;
    r.handler = bind(route.handler as Fn);
    for (const name of ROUTE_HOOKS) {
      const hooks = r[name] as Fn | Fn[] | undefined;
      if (hooks) r[name] = Array.isArray(hooks) ? hooks.map(bind) : bind(hooks);
    }
  });
  app.addHook('onResponse', (request, reply, done) => {
    const rt = traces.get(request);
    if (rt) t.endRequest(rt, request.routeOptions.url, reply.statusCode);
    done();
  });
  // A client that hangs up before the answer gets no onResponse; its span still ends (status 499, as nginx says).
  app.addHook('onRequestAbort', (request, done) => {
    const rt = traces.get(request);
    if (rt) t.endRequest(rt, request.routeOptions.url, 499);
    done();
  });
}
