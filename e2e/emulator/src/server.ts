import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { decodeJwt } from 'jose';
import { controlHttp, type EmulatorControl } from './control.ts';
import type { Runtime } from './core.ts';
import { dataverse } from './dataverse/index.ts';
import { dvError } from './dataverse/access.ts';
import { globalDiscovery } from './discovery.ts';
import { entra } from './entra/index.ts';
import { aadstsError } from './entra/errors.ts';
import { graph } from './graph/index.ts';
import { graphError } from './graph/errors.ts';
import { homePage } from './home.ts';
import { corsHeaders, header, json, preflight, type Ctx, type Reply } from './http.ts';
import type { Service } from './scenarios.ts';
import type { Environment } from './state.ts';
import type { TlsMaterial } from './tls.ts';

const ENTRA_HOSTS = ['login.microsoftonline.com', 'login.windows.net', 'login.microsoft.com'];

interface Route {
  service: Ctx['service'];
  /** Path prefix to strip (path-based addressing on localhost). */
  prefix: string;
  env?: Environment;
}

/** Host-based routing for mapped Microsoft hosts; path prefixes when addressed as localhost. */
function route(rt: Runtime, hostname: string, path: string): Route | null {
  if (ENTRA_HOSTS.includes(hostname)) return { service: 'entra', prefix: '' };
  if (hostname === 'graph.microsoft.com') return { service: 'graph', prefix: '' };
  if (hostname === 'globaldisco.crm.dynamics.com') return { service: 'discovery', prefix: '' };
  if (/\.dynamics\.com$/.test(hostname)) {
    const env = rt.environmentByHost(hostname);
    return env ? { service: 'dataverse', prefix: '', env } : null;
  }
  if (path === '/' || path === '/index.html') return { service: 'home', prefix: '' };
  if (path.startsWith('/_emulator/')) return { service: 'control', prefix: '' };
  if (path.startsWith('/graph/')) return { service: 'graph', prefix: '/graph' };
  if (path.startsWith('/globaldisco/')) return { service: 'discovery', prefix: '/globaldisco' };
  const dv = /^\/dataverse\/([^/]+)(\/|$)/.exec(path);
  if (dv) {
    const env = rt.environmentByHost(dv[1] ?? '');
    return env ? { service: 'dataverse', prefix: `/dataverse/${dv[1] ?? ''}`, env } : null;
  }
  return { service: 'entra', prefix: '' };
}

/** Tenant/user of a request for scenario matching: from the bearer token (unverified) or the tenant path segment. */
function whoOf(rt: Runtime, ctx: Ctx): { tenant?: string[]; user?: string[] } {
  const auth = header(ctx, 'authorization');
  if (auth?.startsWith('Bearer ')) {
    try {
      const c = decodeJwt(auth.slice(7));
      const user = rt.user(typeof c.oid === 'string' ? c.oid : '');
      return rt.who(user, typeof c.tid === 'string' ? c.tid : undefined);
    } catch {
      return {};
    }
  }
  if (ctx.service === 'entra') {
    const t = rt.tenant(ctx.url.pathname.split('/')[1] ?? '');
    return t ? { tenant: [t.id, ...t.domains] } : {};
  }
  return {};
}

/** Who a request counts against: its tenant, and for Dataverse its caller in that environment (`oid`). */
function meterKeys(rt: Runtime, ctx: Ctx, r: Route): { tenant?: string; dataverseCaller?: string } {
  const auth = header(ctx, 'authorization');
  if (auth?.startsWith('Bearer ')) {
    try {
      const c = decodeJwt(auth.slice(7));
      const tenant = typeof c.tid === 'string' ? c.tid : undefined;
      const oid = typeof c.oid === 'string' ? c.oid : undefined;
      return {
        ...(tenant ? { tenant } : {}),
        ...(r.env && oid ? { dataverseCaller: `${r.env.id}|${oid}` } : {}),
      };
    } catch {
      return {};
    }
  }
  if (ctx.service !== 'entra') return {};
  const t = rt.tenant(ctx.url.pathname.split('/')[1] ?? '');
  return t ? { tenant: t.id } : {};
}

function faultReply(ctx: Ctx, status: 429 | 503, retryAfter: number): Reply {
  const headers = { 'retry-after': String(retryAfter) };
  let reply: Reply;
  switch (ctx.service) {
    case 'graph':
      reply =
        status === 429
          ? graphError(ctx, 429, 'TooManyRequests', 'Too many requests.')
          : graphError(
              ctx,
              503,
              'serviceNotAvailable',
              'The service is temporarily unavailable. Please retry after the indicated time.',
            );
      break;
    case 'dataverse':
      reply =
        status === 429
          ? dvError(
              429,
              '0x80072322',
              'Number of requests exceeded the limit of 6000 over time window of 300 seconds.',
            )
          : dvError(503, '0x80040216', 'The service is temporarily unavailable. Please try again later.');
      break;
    case 'discovery':
      reply = json(status, {
        error: {
          code: status === 429 ? 'TooManyRequests' : 'ServiceUnavailable',
          message: 'The service is temporarily unavailable. Please try again later.',
        },
      });
      break;
    default:
      reply =
        status === 429
          ? aadstsError(
              429,
              'temporarily_unavailable',
              50196,
              'The server terminated an operation because it encountered a client request loop. Please contact your app vendor.',
            )
          : aadstsError(
              503,
              'temporarily_unavailable',
              90033,
              'A transient error has occurred. Please try again.',
            );
  }
  return { ...reply, headers: { ...reply.headers, ...headers } };
}

function logPath(url: URL): string {
  const names = [...new Set([...url.searchParams.keys()])];
  return names.length ? `${url.pathname}?${names.join('&')}` : url.pathname;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export function createEmulatorServer(rt: Runtime, control: EmulatorControl, tls: TlsMaterial): Server {
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const started = performance.now();
    const host = (req.headers.host ?? 'localhost').toLowerCase();
    const hostname = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
    const raw = new URL(req.url ?? '/', `https://${host}`);
    const r = route(rt, hostname, raw.pathname);
    const requestId = randomUUID();
    const body = await readBody(req);
    let reply: Reply;
    let service = r?.service ?? 'dataverse';
    let ctx: Ctx | undefined;
    if (!r) {
      reply = json(404, {
        error: { code: 'NotFound', message: `No emulated service answers for ${hostname}.` },
      });
    } else {
      const url = new URL(raw.pathname.slice(r.prefix.length) + raw.search, `https://${host}`);
      ctx = {
        method: req.method ?? 'GET',
        url,
        host,
        base: `https://${host}${r.prefix}`,
        origin: `https://${host}`,
        headers: req.headers,
        body,
        service: r.service,
        requestId,
        receivedAt: new Date(),
        ...(r.env ? { orgHost: new URL(r.env.url).host } : {}),
      };
      service = r.service;
      const metered = r.service === 'control' || r.service === 'home' ? undefined : meterKeys(rt, ctx, r);
      const load = metered ? rt.load.enter(metered.tenant, metered.dataverseCaller) : undefined;
      let status = 500;
      try {
        reply = load?.refused ?? (await dispatch(rt, control, ctx, r));
        status = reply.status;
      } finally {
        load?.done(status);
      }
    }
    const headers: Record<string, string | string[]> = {
      ...(ctx && reply.cors !== false ? corsHeaders(ctx) : {}),
      ...reply.headers,
    };
    if (service === 'graph') {
      headers['request-id'] ??= requestId;
      headers['client-request-id'] ??= header(ctx!, 'client-request-id') ?? requestId;
    }
    if (service === 'dataverse') headers['req_id'] = requestId;
    if (service === 'entra' && ctx) {
      headers['x-ms-request-id'] ??= requestId;
      const correlation = ctx.url.searchParams.get('client-request-id') ?? header(ctx, 'client-request-id');
      if (correlation) headers['client-request-id'] ??= correlation;
    }
    res.writeHead(reply.status, headers);
    res.end(reply.body ?? '');
    rt.record({
      time: new Date().toISOString(),
      method: req.method ?? 'GET',
      host: hostname,
      service,
      path: logPath(raw),
      status: reply.status,
      durationMs: Math.round(performance.now() - started),
      requestId,
    });
  };
  return createServer({ key: tls.key, cert: tls.cert, keepAliveTimeout: 30_000 }, (req, res) => {
    handle(req, res).catch((e: unknown) => {
      // Never echo internals (or request content) back; the message stays in the emulator's own stderr.
      console.error('emulator: unhandled error', e instanceof Error ? e.stack : e);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'InternalServerError', message: 'Emulator error.' } }));
    });
  });
}

async function dispatch(rt: Runtime, control: EmulatorControl, ctx: Ctx, r: Route): Promise<Reply> {
  if (ctx.service === 'control') return controlHttp(control, ctx);
  if (ctx.service === 'home') return homePage(rt, ctx);
  if (ctx.method === 'OPTIONS') return preflight(ctx);
  const service: Service = ctx.service;
  const latency = rt.scenarios.latencyMs(service);
  if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
  const fault = rt.scenarios.takeFault(service, whoOf(rt, ctx));
  if (fault) return faultReply(ctx, fault.status, fault.retryAfterSeconds);
  const reply = await serve(rt, ctx, r);
  if (
    reply.status >= 200 &&
    reply.status < 300 &&
    rt.scenarios.takeCommitThenTimeout(service, ctx.method, ctx.url.pathname, whoOf(rt, ctx))
  ) {
    // The write stays committed; the caller only sees the gateway's page (HTML, not the service's JSON error).
    return {
      status: 504,
      headers: { 'content-type': 'text/html' },
      body: '<html><head><title>504 Gateway Time-out</title></head><body><h1>504 Gateway Time-out</h1></body></html>',
    };
  }
  return reply;
}

function serve(rt: Runtime, ctx: Ctx, r: Route): Promise<Reply> | Reply {
  switch (ctx.service) {
    case 'entra':
      return entra(rt, ctx);
    case 'graph':
      return graph(rt, ctx);
    case 'discovery':
      return globalDiscovery(rt, ctx);
    case 'dataverse':
      return dataverse(rt, ctx, r.env!);
    default:
      throw new Error(`no handler for ${ctx.service}`);
  }
}
