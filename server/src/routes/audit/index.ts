import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { AuditListQuerySchema, AuditListSchema } from '@kantiv/shared/audit';
import { AUTH_ERRORS, errorResponses } from '../schemas.ts';

/** The append-only audit log, newest first, for staff. */
const auditRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/api/v1/audit',
    {
      preHandler: app.requireAccess({ staff: 'read' }),
      schema: {
        tags: ['audit'],
        querystring: AuditListQuerySchema,
        response: { 200: AuditListSchema, ...errorResponses(...AUTH_ERRORS) },
      },
    },
    async (request) => app.audit.list(request.query),
  );
};

export default auditRoutes;
