import type { FastifyInstance } from 'fastify';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import { createHash } from 'node:crypto';
import type { Config } from '../../config.ts';

/**
 * Helmet with a strict CSP for the SPA: scripts and styles only from our origin; network calls to our API and the
 * Microsoft endpoints the wizard talks to (the Dataverse org host is only known at run time, hence `https:`);
 * MSAL's silent renewal may frame the authority.
 */
export async function registerSecurity(app: FastifyInstance, config: Config): Promise<void> {
  const origin = (u: string) => new URL(u).origin;
  await app.register(helmet, {
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
        frameAncestors: ["'none'"],
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
}
