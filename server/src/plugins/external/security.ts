import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';
import rateLimit from '@fastify/rate-limit';
import { createHash } from 'node:crypto';
import type { Config } from '../../config.ts';
import { HttpError } from '../../lib/http-error.ts';

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
  const failedAuth = failedAuthLimit(app, config.rateLimit);

  // One hook for every request's checks, since each hook costs every request (8 empty hooks: -8% on bare Fastify):
  // - path and query with `%00` (NUL): a 400, as for NUL in a body (see containsNul);
  // - an address past its failed sign-in budget: a 429 (see failedAuthLimit);
  // - security headers. Pages (SPA, docs) get the full helmet set above; API answers (JSON and event streams, never
  //   rendered as a page) get the short set OWASP's REST Security Cheat Sheet gives for APIs. They go through
  //   Fastify's reply headers, so a route may still replace one (the docs set their own CSP) and @fastify/sse copies
  //   them onto the event stream. Set first, so the 400 and 429 answers carry them too.
  app.addHook('onRequest', (request, reply, done) => {
    const url = request.url;
    for (const [name, value] of url.startsWith('/api/') ? API_HEADERS : headers) reply.header(name, value);
    if (url.includes('%00')) {
      done(new HttpError(400, 'bad_request', NUL_MESSAGE));
      return;
    }
    done(failedAuth.check(request, reply));
  });
}

export const NUL_MESSAGE = 'Text may not contain the NUL character (U+0000).';

/**
 * Whether any string (key or value) in a parsed JSON body contains U+0000. No field of our API has a use for it, and
 * PostgreSQL rejects it in text, so it is refused up front with a 400 on either database instead of failing at write.
 */
export function containsNul(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\0');
  if (value === null || typeof value !== 'object' || depth > 64) return false;
  if (Array.isArray(value)) return value.some((v) => containsNul(v, depth + 1));
  for (const [k, v] of Object.entries(value)) if (k.includes('\0') || containsNul(v, depth + 1)) return true;
  return false;
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
 * Failures are counted in an onError hook, which runs only for errors, so a successful request pays nothing here
 * but one map lookup (`check`, from the onRequest hook above).
 */
function failedAuthLimit(
  app: FastifyInstance,
  limit: Config['rateLimit'],
): { check(request: FastifyRequest, reply: FastifyReply): HttpError | undefined } {
  const failures = new Map<string, { count: number; resetAt: number }>();
  app.addHook('onError', (request, _reply, error, done) => {
    if ((error as { statusCode?: number }).statusCode !== 401) {
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
  return {
    check(request, reply) {
      if (failures.size === 0) return undefined;
      const entry = failures.get(request.ip);
      if (!entry) return undefined;
      const left = entry.resetAt - Date.now();
      if (left <= 0) {
        failures.delete(request.ip);
        return undefined;
      }
      if (entry.count >= limit.max && request.headers.authorization !== undefined) {
        reply.header('retry-after', String(Math.ceil(left / 1000)));
        return new HttpError(429, 'rate_limited', 'Too many failed sign-ins from this address; retry later.');
      }
      return undefined;
    },
  };
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
