import type { FastifyInstance } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';
import rateLimit from '@fastify/rate-limit';
import { createHash } from 'node:crypto';
import type { Config } from '../../config.ts';
import { HttpError } from '../error-handler.ts';

/**
 * Helmet with a strict CSP for the SPA: scripts and styles only from our origin; network calls to our API and the
 * Microsoft endpoints the wizard talks to (the Dataverse org host is only known at run time, hence `https:`);
 * MSAL's silent renewal may frame the authority.
 */
export async function registerSecurity(app: FastifyInstance, config: Config): Promise<void> {
  const origin = (u: string) => new URL(u).origin;
  const headers = helmetHeaders({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: [
          "'self'",
          origin(config.microsoft.authorityHost),
          origin(config.microsoft.graphBaseUrl),
          origin(config.microsoft.discoveryBaseUrl),
          'https:',
        ],
        frameSrc: ["'self'", origin(config.microsoft.authorityHost)],
        // 'self', not 'none': MSAL's silent renewal loads /redirect.html in a same-origin iframe; other origins stay out.
        frameAncestors: ["'self'"],
        formAction: ["'self'", origin(config.microsoft.authorityHost)],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        // The demo and tests serve plain http on localhost; production sits behind TLS anyway.
        upgradeInsecureRequests: null,
      },
    },
    // MSAL popups need to reach back to the opener.
    crossOriginOpenerPolicy: { policy: 'same-origin-allow-popups' },
  });
  // Pages (SPA, docs) get the full set above; API answers (JSON and event streams, never rendered as a page) get the
  // short set OWASP's REST Security Cheat Sheet gives for APIs. They go through Fastify's reply headers, so a route may
  // still replace one (the docs set their own CSP) and @fastify/sse copies them onto the event stream.
  app.addHook('onRequest', (request, reply, done) => {
    for (const [name, value] of request.url.startsWith('/api/') ? API_HEADERS : headers)
      reply.header(name, value);
    done();
  });

  // Opt-in per route (`config.rateLimit`): token-bearing and unauthenticated routes. The key includes a hash of the
  // bearer token so one customer's wizard cannot exhaust another's budget behind the same NAT.
  await app.register(rateLimit, {
    global: false,
    max: config.rateLimit.max,
    timeWindow: config.rateLimit.windowMs,
    keyGenerator: (request) => {
      const auth = request.headers.authorization;
      const who =
        typeof auth === 'string'
          ? createHash('sha256').update(auth).digest('base64url').slice(0, 16)
          : 'anon';
      return `${request.ip}|${who}`;
    },
  });
  registerFailedAuthLimit(app, config.rateLimit);
}

/**
 * Security headers for API answers (OWASP REST Security Cheat Sheet, "Security headers"): nothing in them may run,
 * load or be framed; never sniffed as another type; HTTPS only; no referrer; not readable by other origins' pages.
 */
export const API_HEADERS: readonly [string, string][] = [
  ['content-security-policy', "default-src 'none'; frame-ancestors 'none'"],
  ['x-content-type-options', 'nosniff'],
  ['x-frame-options', 'DENY'],
  ['strict-transport-security', 'max-age=31536000; includeSubDomains'],
  ['referrer-policy', 'no-referrer'],
  ['cross-origin-resource-policy', 'same-origin'],
];

/**
 * The per-token budgets above give every new token a fresh bucket, so on their own they never slow down someone
 * guessing setup tokens or API keys. This counts failed authentications (401) per client address; past
 * `max` in one window, requests carrying credentials from that address answer 429 until the window ends.
 */
function registerFailedAuthLimit(app: FastifyInstance, limit: Config['rateLimit']): void {
  const failures = new Map<string, { count: number; resetAt: number }>();
  // Callback hooks: they run on every request and await nothing.
  app.addHook('onResponse', (request, reply, done) => {
    if (reply.statusCode !== 401) {
      done();
      return;
    }
    const now = Date.now();
    const entry = failures.get(request.ip);
    if (!entry || entry.resetAt <= now) {
      if (failures.size >= 100_000) {
        for (const [ip, e] of failures) if (e.resetAt <= now) failures.delete(ip);
      }
      failures.set(request.ip, { count: 1, resetAt: now + limit.windowMs });
    } else {
      entry.count += 1;
    }
    done();
  });
  app.addHook('onRequest', (request, reply, done) => {
    const entry = failures.get(request.ip);
    if (!entry) {
      done();
      return;
    }
    const left = entry.resetAt - Date.now();
    if (left <= 0) {
      failures.delete(request.ip);
      done();
      return;
    }
    if (entry.count >= limit.max && request.headers.authorization !== undefined) {
      reply.header('retry-after', String(Math.ceil(left / 1000)));
      done(new HttpError(429, 'rate_limited', 'Too many failed sign-ins from this address; retry later.'));
      return;
    }
    done();
  });
}

/**
 * Helmet's headers for these options, computed once. `@fastify/helmet` rebuilt the whole helmet middleware (and
 * re-parsed the CSP directives) on every request; none of our options depends on the request, so the result is the
 * same fixed list of headers each time. Helmet's only other action, removing `X-Powered-By`, is moot: Fastify never
 * sets it.
 */
export function helmetHeaders(options: HelmetOptions): [string, string][] {
  const headers: [string, string][] = [];
  const res = {
    setHeader(name: string, value: string | number) {
      headers.push([name.toLowerCase(), String(value)]);
    },
    removeHeader() {},
  };
  // Helmet throws on invalid options (here: at start, which is what we want).
  helmet(options)({} as never, res as never, () => undefined);
  return headers;
}
