import { existsSync } from 'node:fs';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Config } from './config.ts';
import { errorBody, registerErrorHandling } from './plugins/error-handler.ts';
import healthRoutes from './routes/health/index.ts';

export type BuildAppOptions = {
  config: Config;
  /** Pass `false` in tests that do not want log output; otherwise pino at `config.logLevel`. */
  logger?: boolean;
};

export async function buildApp({ config, logger = true }: BuildAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: logger
      ? { level: config.logLevel, redact: ['req.headers.authorization', 'req.headers.cookie'] }
      : false,
    bodyLimit: 64 * 1024,
    // Routes never carry secrets in the URL; still, keep request ids short and ours.
    requestIdHeader: false,
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandling(app);

  await app.register(healthRoutes);

  if (config.webDistDir) await registerWebApp(app, config.webDistDir);

  return app;
}

/** Serves the built SPA; any GET that is not an API route and not a file gets index.html (client routing). */
async function registerWebApp(app: FastifyInstance, distDir: string): Promise<void> {
  const root = path.resolve(distDir);
  if (!existsSync(path.join(root, 'index.html'))) {
    throw new Error(`WEB_DIST_DIR ${root} has no index.html; run "pnpm build" first.`);
  }
  await app.register(fastifyStatic, { root, wildcard: false, index: false });
  app.get('/*', (request, reply) => {
    if (request.url.startsWith('/api/')) {
      return reply.status(404).send(errorBody('not_found', `No route for GET ${request.url.split('?')[0]}.`));
    }
    return reply.header('cache-control', 'no-cache').sendFile('index.html');
  });
}
