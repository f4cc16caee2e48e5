import type { FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { webhookDocs } from './webhook-docs.ts';

/** OpenAPI generated from the routes' zod schemas; interactive docs at /docs, the document at /docs/json. */
export async function registerDocs(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      // 3.1 for the `webhooks` section: the events we POST to subscribers, documented like routes.
      openapi: '3.1.0',
      info: {
        title: 'Kantiv Connect API',
        version: '1.0.0',
        description: 'Setups, wizard hand-off, status, events, webhooks, token vending.',
      },
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description: 'Staff JWT, API key (kc_…) or setup token (wizard routes)',
          },
        },
      },
      security: [{ bearer: [] }],
      webhooks: webhookDocs(),
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
}
