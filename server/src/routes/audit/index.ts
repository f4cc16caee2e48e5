import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  AuditActionListSchema,
  AuditFilterQuerySchema,
  AuditListQuerySchema,
  AuditListSchema,
} from '@kantiv/shared/audit';
import { AUTH_ERRORS, errorResponses } from '../schemas.ts';

const tags = ['audit'];
const read = { staff: 'read' } as const;
/** An export larger than this is cut; narrow the date range instead (the console says so). */
const EXPORT_MAX_ROWS = 10_000;

/** The append-only audit log, newest first, for staff. */
const auditRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/api/v1/audit',
    {
      preHandler: app.requireAccess(read),
      schema: {
        tags,
        description: 'Entries newest first, with the actor named and the setup by customer; keyset pages.',
        querystring: AuditListQuerySchema,
        response: { 200: AuditListSchema, ...errorResponses(...AUTH_ERRORS) },
      },
    },
    async (request) => app.auditLog.list(request.query),
  );

  app.get(
    '/api/v1/audit/actions',
    {
      preHandler: app.requireAccess(read),
      schema: {
        tags,
        description: 'Every action the log holds, for the filter.',
        response: { 200: AuditActionListSchema, ...errorResponses(...AUTH_ERRORS) },
      },
    },
    async () => ({ items: await app.auditLog.actions() }),
  );

  app.get(
    '/api/v1/audit/export',
    {
      preHandler: app.requireAccess(read),
      schema: {
        tags,
        description: `The entries matching the filters as CSV (RFC 4180, times in UTC), newest first, at most ${EXPORT_MAX_ROWS} rows.`,
        querystring: AuditFilterQuerySchema,
        produces: ['text/csv'],
        response: { 200: z.string().describe('text/csv'), ...errorResponses(...AUTH_ERRORS) },
      },
    },
    async (request, reply) => {
      let csv = '';
      for await (const line of app.auditLog.csv(request.query, EXPORT_MAX_ROWS)) csv += line;
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="audit-log.csv"')
        .header('cache-control', 'no-store')
        .send(csv);
    },
  );
};

export default auditRoutes;
