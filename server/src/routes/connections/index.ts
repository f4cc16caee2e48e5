import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ConnectionTokenResponseSchema } from '@kantiv/shared/connections';
import { actorOf } from '../../plugins/app/auth.ts';
import { AUTH_ERRORS, errorResponses, IdParamsSchema } from '../schemas.ts';

/** Token vending for Kantiv's services: a Dataverse access token for a verified connection (never the secret). */
const connectionRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/api/v1/connections/:id/token',
    {
      config: { rateLimit: { max: app.config.rateLimit.max, timeWindow: app.config.rateLimit.windowMs } },
      preHandler: app.requireAccess({ apiKey: 'connections:token' }),
      schema: {
        tags: ['connections'],
        params: IdParamsSchema,
        response: { 200: ConnectionTokenResponseSchema, ...errorResponses(...AUTH_ERRORS, 409, 410, 503) },
      },
    },
    async (request, reply) => {
      const token = await app.tokenVending.issue(request.params.id, actorOf(request));
      return reply.header('cache-control', 'no-store').send(token);
    },
  );
};

export default connectionRoutes;
