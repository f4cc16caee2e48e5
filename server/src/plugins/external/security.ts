import type { FastifyInstance } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';
import rateLimit from '@fastify/rate-limit';
import { createHash } from 'node:crypto';
import { BOOT_LANGUAGE_SCRIPT } from '@kantiv/shared/boot-language';
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
        // Plus index.html's inline boot script by its hash: "Loading…" in the admin's language before any bundle.
        scriptSrc: [
          "'self'",
          `'sha256-${createHash('sha256').update(BOOT_LANGUAGE_SCRIPT).digest('base64')}'`,
        ],
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

  // One hook for every request's checks, since each hook costs every request (8 empty hooks: -8% on bare Fastify):
  // - path and query with `%00` (NUL): a 400, as for NUL in a body (see containsNul);
  // - security headers. Pages (SPA, docs) get the full helmet set above; API answers (JSON and event streams, never
  //   rendered as a page) get the short set OWASP's REST Security Cheat Sheet gives for APIs. They go through
  //   Fastify's reply headers, so a route may still replace one (the docs set their own CSP) and @fastify/sse copies
  //   them onto the event stream. Set first, so the 400 and 429 answers carry them too.
  // (The failed sign-in budget is checked in the auth plugin, only for credentials that fail.)
  app.addHook('onRequest', (request, reply, done) => {
    const url = request.url;
    for (const [name, value] of url.startsWith('/api/') ? API_HEADERS : headers) reply.header(name, value);
    if (url.includes('%00')) {
      done(new HttpError(400, 'bad_request', NUL_MESSAGE));
      return;
    }
    done();
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
