import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { HealthSchema, ReadinessSchema } from '@kantiv/shared/health';
import { errorResponses } from '../schemas.ts';

const VERSION = '0.1.0';

const healthRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get('/healthz', { schema: { tags: ['operations'], response: { 200: HealthSchema } } }, () => ({
    status: 'ok' as const,
    service: 'kantiv-connect' as const,
    version: VERSION,
    uptimeSeconds: Math.round(process.uptime()),
  }));

  app.get(
    '/readyz',
    { schema: { tags: ['operations'], response: { 200: ReadinessSchema, 503: ReadinessSchema } } },
    async (_request, reply) => {
      const { database, keyring } = await app.checkReadiness();
      const ready = database === 'ok' && keyring === 'ok';
      return reply.code(ready ? 200 : 503).send({
        status: ready ? ('ready' as const) : ('not_ready' as const),
        checks: { process: 'ok' as const, database, keyring },
      });
    },
  );

  app.get(
    '/metrics',
    {
      preHandler: app.requireMetricsToken,
      schema: { tags: ['operations'], response: { 200: z.string(), ...errorResponses(401) } },
    },
    async (_request, reply) => reply.type(app.metrics.contentType).send(await app.metrics.render()),
  );
};

export default healthRoutes;
