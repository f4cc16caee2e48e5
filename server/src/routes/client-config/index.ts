import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ClientConfigSchema } from '@kantiv/shared/client-config';
import { errorResponses } from '../schemas.ts';

/** Public runtime configuration for the SPA (nothing secret): the same build runs against Microsoft or the emulator. */
const clientConfigRoutes: FastifyPluginAsyncZod = async (app) => {
  const { microsoft, staff, support } = app.config;
  const body = ClientConfigSchema.parse({
    microsoft: {
      authorityHost: microsoft.authorityHost,
      graphBaseUrl: microsoft.graphBaseUrl,
      discoveryBaseUrl: microsoft.discoveryBaseUrl,
      wizardClientId: microsoft.wizardClientId,
    },
    staff: {
      tenantId: staff.tenantId,
      clientId: staff.clientId,
      apiScope: staff.apiScope,
      manageRoles: staff.manageRoles,
      readRoles: staff.readRoles,
    },
    support,
    console: { accessContact: app.config.console.accessContact },
  });
  app.get(
    '/api/v1/client-config',
    {
      config: { rateLimit: { max: app.config.rateLimit.max, timeWindow: app.config.rateLimit.windowMs } },
      schema: { tags: ['operations'], response: { 200: ClientConfigSchema, ...errorResponses(429) } },
    },
    async (_request, reply) => reply.header('cache-control', 'no-cache').send(body),
  );
};

export default clientConfigRoutes;
