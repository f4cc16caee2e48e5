import { existsSync } from 'node:fs';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import sse from '@fastify/sse';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { trustProxyOption, type Config } from './config.ts';
import type { Store } from './db/database.ts';
import type { Resolve } from './lib/address-policy.ts';
import type { Clock } from './lib/clock.ts';
import { AccessLog, lazyChildLogger, REDACT_PATHS } from './logging.ts';
import { errorBody, HttpError } from './lib/http-error.ts';
import { registerErrorHandling } from './plugins/error-handler.ts';
import { registerDocs } from './plugins/external/docs.ts';
import { containsNul, NUL_MESSAGE, registerSecurity } from './plugins/external/security.ts';
import authPlugin from './plugins/app/auth.ts';
import metricsPlugin from './plugins/app/metrics.ts';
import servicesPlugin from './plugins/app/services.ts';
import { registerRequestTracing } from './plugins/app/tracing.ts';
import { tracer } from './services/telemetry/tracing.ts';
import apiKeyRoutes from './routes/api-keys/index.ts';
import auditRoutes from './routes/audit/index.ts';
import clientConfigRoutes from './routes/client-config/index.ts';
import connectionRoutes from './routes/connections/index.ts';
import devRoutes from './routes/dev/index.ts';
import healthRoutes from './routes/health/index.ts';
import setupRoutes from './routes/setups/index.ts';
import webhookRoutes from './routes/webhooks/index.ts';
import wizardRoutes from './routes/wizard/index.ts';
import wizardDisconnectRoutes from './routes/wizard/disconnect.ts';

export type BuildAppOptions = {
  config: Config;
  /** Pass `false` in tests that do not want log output; otherwise pino at `config.logLevel`. A stream captures it. */
  logger?: boolean | { stream: NodeJS.WritableStream };
  /** An already open store (tests share one across app instances); otherwise opened from `config.database`. */
  store?: Store;
  /**
   * The name resolver for every outgoing call (default: the system's). Tests pass their own answers, so that no
   * query leaves the machine and a name can be pointed at a private address; there is no setting for it.
   */
  resolve?: Resolve;
  /** Business time (lib/clock.ts); default real time. Tests pass a movable clock; there is no setting for it. */
  clock?: Clock;
};

export async function buildApp({
  config,
  logger = true,
  store,
  resolve,
  clock,
}: BuildAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: logger
      ? {
          level: config.logLevel,
          redact: { paths: REDACT_PATHS, censor: '[redacted]' },
          ...(typeof logger === 'object' ? { stream: logger.stream } : {}),
        }
      : false,
    // One access line per request; a request's logger is made only when the request logs (see logging.ts).
    logController: new AccessLog(),
    ...(logger ? { childLoggerFactory: lazyChildLogger } : {}),
    bodyLimit: 64 * 1024,
    // Routes never carry secrets in the URL; still, keep request ids short and ours.
    requestIdHeader: false,
    trustProxy: trustProxyOption(config.trustProxy),
    // SSE streams never become idle; close them on shutdown instead of waiting forever.
    forceCloseConnections: true,
    routerOptions: { maxParamLength: 200 },
  }).withTypeProvider<ZodTypeProvider>();

  // First, so the request's span is open before any other hook runs and every route is wrapped (see the plugin).
  const tracing = tracer();
  if (tracing) registerRequestTracing(app, tracing);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandling(app);
  // Action routes (revoke, reverify, invite…) take no body; browsers' fetch helpers often still send
  // `Content-Type: application/json` with an empty body. Treat that as no body; everything else goes through
  // Fastify's own JSON parser (prototype-poisoning protection included).
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') {
      done(null, undefined);
      return;
    }
    void parseJson(request, typeof body === 'string' ? body : body.toString('utf8'), (err, parsed) => {
      if (!err && containsNul(parsed)) {
        done(new HttpError(400, 'bad_request', NUL_MESSAGE), undefined);
        return;
      }
      done(err, parsed);
    });
  });

  // Tier 1: external plugins.
  await registerSecurity(app, config);
  await registerDocs(app);
  await app.register(sse, { heartbeatInterval: 15_000 });

  // Tier 2: our services as decorators.
  await app.register(servicesPlugin, {
    config,
    ...(store ? { store } : {}),
    ...(resolve ? { resolve } : {}),
    ...(clock ? { clock } : {}),
  });
  await app.register(authPlugin);
  await app.register(metricsPlugin);

  // Tier 3: routes, one encapsulated plugin per feature.
  await app.register(healthRoutes);
  await app.register(clientConfigRoutes);
  await app.register(setupRoutes);
  await app.register(wizardRoutes);
  await app.register(wizardDisconnectRoutes);
  await app.register(connectionRoutes);
  await app.register(apiKeyRoutes);
  await app.register(webhookRoutes);
  await app.register(auditRoutes);
  // Development and benchmark seams: absent (404) unless KANTIV_DEV_MODE=true.
  if (config.devMode) await app.register(devRoutes);

  if (config.webDistDir) await registerWebApp(app, config.webDistDir);

  return app;
}

/** Hashed build output (`/assets/<name>-<hash>.<ext>`): a changed file gets a new name, so browsers keep it for good. */
export const ASSET_CACHE_CONTROL = 'public, max-age=31536000, immutable';

/**
 * Serves the built SPA; any GET that is not an API route and not a file gets index.html (client routing).
 * Files go out as the build's precompressed `.br`/`.gz` twin when the browser accepts it. Hashed assets are cached
 * for a year; everything else (index.html, the redirect bridge) is revalidated on every load so a deploy shows at
 * once. Source maps are built but not published.
 */
async function registerWebApp(app: FastifyInstance, distDir: string): Promise<void> {
  const root = path.resolve(distDir);
  if (!existsSync(path.join(root, 'index.html'))) {
    throw new Error(`WEB_DIST_DIR ${root} has no index.html; run "pnpm build" first.`);
  }
  const assetsDir = path.join(root, 'assets') + path.sep;
  await app.register(fastifyStatic, {
    root,
    wildcard: false,
    index: false,
    preCompressed: true,
    globIgnore: ['**/*.map', '**/*.br', '**/*.gz'],
    cacheControl: false,
    setHeaders: (reply, filePath) => {
      reply.header('cache-control', filePath.startsWith(assetsDir) ? ASSET_CACHE_CONTROL : 'no-cache');
    },
  });
  app.get('/*', (request, reply) => {
    const pathname = request.url.split('?')[0] ?? '';
    // An unknown API route, or a build file that does not exist (a stale tab asking for a chunk of an older build):
    // a 404, not the HTML of the SPA under a script's name.
    if (pathname.startsWith('/api/') || pathname.startsWith('/assets/')) {
      return reply.status(404).send(errorBody('not_found', `No route for GET ${pathname}.`));
    }
    return reply.sendFile('index.html');
  });
}
