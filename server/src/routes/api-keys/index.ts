import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  ApiKeyListSchema,
  ApiKeySchema,
  CreateApiKeyRequestSchema,
  CreateApiKeyResponseSchema,
} from '@kantiv/shared/auth';
import { actorOf } from '../../plugins/app/auth.ts';
import { AUTH_ERRORS, errorResponses, IdParamsSchema } from '../schemas.ts';

const tags = ['api-keys'];

/** API keys are managed by staff only; the key itself is in the creation response, once. */
const apiKeyRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/api/v1/api-keys',
    {
      preHandler: app.requireAccess({ staff: 'read' }),
      schema: { tags, response: { 200: ApiKeyListSchema, ...errorResponses(...AUTH_ERRORS) } },
    },
    async () => ({ items: await app.apiKeys.list() }),
  );

  app.post(
    '/api/v1/api-keys',
    {
      preHandler: app.requireAccess({ staff: 'manage' }),
      schema: {
        tags,
        body: CreateApiKeyRequestSchema,
        response: { 201: CreateApiKeyResponseSchema, ...errorResponses(...AUTH_ERRORS) },
      },
    },
    async (request, reply) => {
      const created = await app.apiKeys.create(request.body.name, request.body.scopes, actorOf(request));
      return reply.code(201).header('cache-control', 'no-store').send(created);
    },
  );

  app.post(
    '/api/v1/api-keys/:id/revoke',
    {
      preHandler: app.requireAccess({ staff: 'manage' }),
      schema: {
        tags,
        params: IdParamsSchema,
        response: { 200: ApiKeySchema, ...errorResponses(...AUTH_ERRORS) },
      },
    },
    async (request) => app.apiKeys.revoke(request.params.id, actorOf(request)),
  );
};

export default apiKeyRoutes;
