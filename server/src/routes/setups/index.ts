import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  CreateSetupRequestSchema,
  CreateSetupResponseSchema,
  ExtendSetupRequestSchema,
  SetupFilterQuerySchema,
  SetupListQuerySchema,
  SetupListSchema,
  SetupSchema,
  SetupStatusSchema,
} from '@kantiv/shared/setup';
import { HealthHistorySchema } from '@kantiv/shared/connection-health';
import type { SetupEvent } from '@kantiv/shared/events';
import { CredentialRotationSchema } from '@kantiv/shared/rotation';
import { CreateSetupLinkRequestSchema, CreateSetupLinkResponseSchema } from '@kantiv/shared/setup-links';
import { actorOf } from '../../plugins/app/auth.ts';
import { errorBody } from '../../lib/http-error.ts';
import type { StatusAnswer } from '../../services/setups/status.ts';
import { AUTH_ERRORS, errorResponses, IdParamsSchema } from '../schemas.ts';
import { setupsCsv } from '../../services/setups/csv.ts';
import { endStreamWithCredential } from './stream-lifetime.ts';

/** The export is for a person's spreadsheet, not a backup: bounded so one request cannot read the whole table. */
const EXPORT_MAX_ROWS = 10_000;

const serializedEvents = new WeakMap<SetupEvent, string>();
/** Every watcher of a setup receives the same event object from the bus: serialize it once. */
function serialized(event: SetupEvent): string {
  let json = serializedEvents.get(event);
  if (json === undefined) {
    json = JSON.stringify(event);
    serializedEvents.set(event, json);
  }
  return json;
}

const read = { staff: 'read', apiKey: 'setups:read' } as const;
const write = { staff: 'manage', apiKey: 'setups:write' } as const;
const tags = ['setups'];

/** Setups for staff (console) and API clients: create, list, detail, status, live events and actions. */
const setupRoutes: FastifyPluginAsyncZod = async (app) => {
  const { setups, handoff } = app;

  app.post(
    '/api/v1/setups',
    {
      preHandler: app.requireAccess(write),
      schema: {
        tags,
        body: CreateSetupRequestSchema,
        response: { 201: CreateSetupResponseSchema, ...errorResponses(...AUTH_ERRORS) },
      },
    },
    async (request, reply) => {
      const created = await setups.create(request.body, actorOf(request));
      // The invite link (with the token) is shown once: never cache this response.
      return reply.code(201).header('cache-control', 'no-store').send(created);
    },
  );

  app.get(
    '/api/v1/setups',
    {
      preHandler: app.requireAccess(read),
      schema: {
        tags,
        querystring: SetupListQuerySchema,
        response: { 200: SetupListSchema, ...errorResponses(...AUTH_ERRORS) },
      },
    },
    async (request) => setups.list(request.query),
  );

  app.get(
    '/api/v1/setups/export',
    {
      preHandler: app.requireAccess(read),
      schema: {
        tags,
        description: `The setups matching the list's filters and sort, as CSV (RFC 4180, times in UTC), at most ${EXPORT_MAX_ROWS} rows.`,
        querystring: SetupFilterQuerySchema,
        produces: ['text/csv'],
        response: { 200: z.string().describe('text/csv'), ...errorResponses(...AUTH_ERRORS) },
      },
    },
    async (request, reply) => {
      let csv = '';
      for await (const line of setupsCsv(setups.all(request.query, EXPORT_MAX_ROWS))) csv += line;
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="setups.csv"')
        .header('cache-control', 'no-store')
        .send(csv);
    },
  );

  app.get(
    '/api/v1/setups/:id',
    {
      preHandler: app.requireAccess(read),
      schema: {
        tags,
        params: IdParamsSchema,
        response: { 200: SetupSchema, ...errorResponses(...AUTH_ERRORS) },
      },
    },
    async (request) => setups.get(request.params.id),
  );

  app.get(
    '/api/v1/setups/:id/health',
    {
      preHandler: app.requireAccess(read),
      schema: {
        tags,
        description: 'Every change of the connection health found by the scheduled checks, newest first.',
        params: IdParamsSchema,
        response: { 200: HealthHistorySchema, ...errorResponses(...AUTH_ERRORS) },
      },
    },
    async (request) => {
      await setups.getRow(request.params.id);
      return app.healthChecks.history(request.params.id);
    },
  );

  app.get(
    '/api/v1/setups/:id/status',
    {
      preHandler: app.requireAccess(read),
      schema: {
        tags,
        description:
          'Compact status. Send If-None-Match with the last ETag for 304; add ?wait=<seconds> to long-poll.',
        params: IdParamsSchema,
        querystring: z.object({ wait: z.coerce.number().int().min(0).max(300).optional() }),
        response: { 200: SetupStatusSchema, 304: z.null(), ...errorResponses(...AUTH_ERRORS) },
      },
    },
    (request, reply) => {
      const { id } = request.params;
      const etag = request.headers['if-none-match'];
      const wait = Math.min(request.query.wait ?? 0, app.config.statusMaxWaitSeconds);
      const send = (answer: StatusAnswer): void => {
        reply.header('cache-control', 'no-cache').header('etag', `"${answer.version}"`);
        if (answer.json === undefined) reply.code(304).send(null);
        // Already serialized (and cached per version): Fastify sends a JSON string as it is.
        else reply.type('application/json; charset=utf-8').send(answer.json as never);
      };
      // A plain poll of a setup polled in the last second is answered from the caches at once (no promise, no I/O).
      const now = wait === 0 ? setups.status.answerNow(id, etag) : undefined;
      if (now) return send(now);
      return setups.status.answer(id, etag, wait * 1000, request.raw).then(send);
    },
  );

  app.get(
    '/api/v1/setups/:id/events',
    {
      // Events arrive pre-serialized (one JSON.stringify per event, not one per watcher).
      sse: {
        kind: 'only',
        serializer: (data: unknown) => (typeof data === 'string' ? data : JSON.stringify(data)),
      },
      // A HEAD twin would open the stream without ever sending its headers (a HEAD response has no body to
      // flush them with), holding a watcher and the connection until the client gives up.
      exposeHeadRoute: false,
      preHandler: app.requireAccess(read),
      // @fastify/sse answers a client that refuses text/event-stream with its own 406 body, which is not our error
      // shape (the response schema turned it into a 500): answer it in the shared shape instead.
      preSerialization: async (_request, reply, payload) =>
        reply.statusCode === 406
          ? errorBody(
              'bad_request',
              'This endpoint only produces text/event-stream; send Accept: text/event-stream.',
            )
          : payload,
      schema: {
        tags,
        description:
          'Server-Sent Events: every stored event of the setup (from Last-Event-ID), then live ones.',
        params: IdParamsSchema,
        querystring: z.object({ lastEventId: z.coerce.number().int().min(0).optional() }),
        response: errorResponses(...AUTH_ERRORS, 406),
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      await setups.getRow(id);
      const header = Number(request.headers['last-event-id']);
      let sentUpTo = Number.isInteger(header) && header > 0 ? header : (request.query.lastEventId ?? 0);
      let replaying = true;
      const pending: SetupEvent[] = [];
      const send = (event: SetupEvent) => {
        if (event.id <= sentUpTo || !reply.sse.isConnected) return;
        sentUpTo = event.id;
        reply.sse
          .send({ id: String(event.id), event: event.type, data: serialized(event) })
          .catch(() => undefined);
      };
      // Subscribe before reading history so nothing published in between is lost; duplicates are dropped by id.
      const unsubscribe = app.eventBus.subscribe(id, (event) =>
        replaying ? pending.push(event) : send(event),
      );
      const stopWatching = endStreamWithCredential(app, request, () => reply.sse.close());
      reply.sse.onClose(() => {
        unsubscribe();
        stopWatching();
      });
      reply.sse.keepAlive();
      for (const event of await setups.eventsSince(id, sentUpTo)) send(event);
      replaying = false;
      for (const event of pending.sort((a, b) => a.id - b.id)) send(event);
    },
  );

  app.post(
    '/api/v1/setups/:id/revoke',
    {
      preHandler: app.requireAccess(write),
      schema: {
        tags,
        params: IdParamsSchema,
        response: { 200: SetupSchema, ...errorResponses(...AUTH_ERRORS) },
      },
    },
    async (request) => {
      const setup = await setups.revoke(request.params.id, actorOf(request));
      app.tokenVending.forget(request.params.id);
      return setup;
    },
  );

  app.post(
    '/api/v1/setups/:id/disconnect',
    {
      preHandler: app.requireAccess(write),
      schema: {
        tags,
        description:
          "Our side of a disconnect (decision 018): the setup becomes `disconnected` (terminal), its credential is crypto-shredded, its jobs stop, token vending answers 410 and `setup.disconnected` is sent. Nothing in the customer's tenant is removed by this call.",
        params: IdParamsSchema,
        response: { 200: SetupSchema, ...errorResponses(...AUTH_ERRORS, 409) },
      },
    },
    async (request) => app.disconnect(request.params.id, actorOf(request)),
  );

  app.post(
    '/api/v1/setups/:id/extend',
    {
      preHandler: app.requireAccess(write),
      schema: {
        tags,
        params: IdParamsSchema,
        body: ExtendSetupRequestSchema,
        response: { 200: SetupSchema, ...errorResponses(...AUTH_ERRORS, 409) },
      },
    },
    async (request) => setups.extend(request.params.id, request.body.hours, actorOf(request)),
  );

  app.post(
    '/api/v1/setups/:id/reverify',
    {
      preHandler: app.requireAccess(write),
      schema: {
        tags,
        params: IdParamsSchema,
        response: { 202: SetupSchema, ...errorResponses(...AUTH_ERRORS, 409) },
      },
    },
    async (request, reply) => {
      await handoff.reverify(request.params.id, actorOf(request));
      return reply.code(202).send(await setups.get(request.params.id));
    },
  );

  app.post(
    '/api/v1/setups/:id/credential/rotate',
    {
      preHandler: app.requireAccess(write),
      schema: {
        tags,
        description:
          'Rotate the certificate now (a key thought compromised): a new key is added, verified and switched to, ' +
          'then the old one is removed from the application. A rotation already under way is made due at once.',
        params: IdParamsSchema,
        response: { 202: CredentialRotationSchema, ...errorResponses(...AUTH_ERRORS, 409) },
      },
    },
    async (request, reply) =>
      reply.code(202).send(await app.rotation.rotateNow(request.params.id, actorOf(request))),
  );

  app.post(
    '/api/v1/setups/:id/invite',
    {
      preHandler: app.requireAccess(write),
      schema: {
        tags,
        description: 'A fresh invite link (new setup token); the previous link stops working.',
        params: IdParamsSchema,
        response: { 200: CreateSetupResponseSchema, ...errorResponses(...AUTH_ERRORS, 409) },
      },
    },
    async (request, reply) => {
      const result = await setups.newInvite(request.params.id, actorOf(request));
      return reply.header('cache-control', 'no-store').send(result);
    },
  );

  app.post(
    '/api/v1/setups/:id/links',
    {
      preHandler: app.requireAccess(write),
      schema: {
        tags,
        description:
          'A renewal link (new credential, a certificate by default) or a repair link (the wizard recreates what ' +
          'drifted) for a verified setup; shown once, and any earlier link stops working. Decisions 013 and 014.',
        params: IdParamsSchema,
        body: CreateSetupLinkRequestSchema,
        response: { 201: CreateSetupLinkResponseSchema, ...errorResponses(...AUTH_ERRORS, 409) },
      },
    },
    async (request, reply) => {
      const link = await setups.issueLink(request.params.id, request.body, actorOf(request));
      return reply.code(201).header('cache-control', 'no-store').send(link);
    },
  );
};

export default setupRoutes;
