import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { HealthSchema, ReadinessSchema } from '@kantiv/shared/health';

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
    () => {
      // Later slices add the database and the key ring to these checks (and answer 503 when one fails).
      return { status: 'ready' as const, checks: { process: 'ok' as const } };
    },
  );
};

export default healthRoutes;
