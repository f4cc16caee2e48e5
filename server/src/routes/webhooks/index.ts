import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  CreateWebhookRequestSchema,
  CreateWebhookResponseSchema,
  DeliveryParamsSchema,
  RotateWebhookSecretResponseSchema,
  UpdateWebhookRequestSchema,
  WebhookDeliveryListSchema,
  WebhookDeliverySchema,
  WebhookSubscriptionListSchema,
  WebhookSubscriptionSchema,
} from '@kantiv/shared/webhooks';
import { actorOf, type Caller } from '../../plugins/app/auth.ts';
import { AUTH_ERRORS, errorResponses, IdParamsSchema } from '../schemas.ts';

const tags = ['webhooks'];
const read = { staff: 'read', apiKey: 'webhooks:manage' } as const;
const manage = { staff: 'manage', apiKey: 'webhooks:manage' } as const;
/** An API client sees and manages its own subscriptions; staff see all of them. */
const ownerOf = (caller: Caller | undefined) => (caller?.kind === 'api_key' ? caller.id : undefined);

const webhookRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/api/v1/webhooks',
    {
      preHandler: app.requireAccess(read),
      schema: { tags, response: { 200: WebhookSubscriptionListSchema, ...errorResponses(...AUTH_ERRORS) } },
    },
    async (request) => ({ items: await app.webhooks.list(ownerOf(request.caller)) }),
  );

  app.post(
    '/api/v1/webhooks',
    {
      preHandler: app.requireAccess(manage),
      schema: {
        tags,
        body: CreateWebhookRequestSchema,
        response: { 201: CreateWebhookResponseSchema, ...errorResponses(...AUTH_ERRORS) },
      },
    },
    async (request, reply) => {
      const created = await app.webhooks.create(request.body, ownerOf(request.caller), actorOf(request));
      return reply.code(201).header('cache-control', 'no-store').send(created);
    },
  );

  app.delete(
    '/api/v1/webhooks/:id',
    {
      preHandler: app.requireAccess(manage),
      schema: {
        tags,
        params: IdParamsSchema,
        response: { 204: z.null(), ...errorResponses(...AUTH_ERRORS) },
      },
    },
    async (request, reply) => {
      await app.webhooks.remove(request.params.id, ownerOf(request.caller), actorOf(request));
      return reply.code(204).send(null);
    },
  );

  app.patch(
    '/api/v1/webhooks/:id',
    {
      preHandler: app.requireAccess(manage),
      schema: {
        tags,
        description: 'Edits the URL, events or description, or pauses (`paused: true`) and resumes it.',
        params: IdParamsSchema,
        body: UpdateWebhookRequestSchema,
        response: { 200: WebhookSubscriptionSchema, ...errorResponses(...AUTH_ERRORS) },
      },
    },
    async (request) =>
      app.webhooks.update(request.params.id, ownerOf(request.caller), request.body, actorOf(request)),
  );

  app.post(
    '/api/v1/webhooks/:id/rotate-secret',
    {
      preHandler: app.requireAccess(manage),
      schema: {
        tags,
        description:
          'A new signing secret, shown once. Until `previousSecretValidUntil` deliveries carry signatures made with both secrets.',
        params: IdParamsSchema,
        response: { 200: RotateWebhookSecretResponseSchema, ...errorResponses(...AUTH_ERRORS, 409) },
      },
    },
    async (request, reply) => {
      const rotated = await app.webhooks.rotate(request.params.id, ownerOf(request.caller), actorOf(request));
      return reply.header('cache-control', 'no-store').send(rotated);
    },
  );

  app.post(
    '/api/v1/webhooks/:id/deliveries/:deliveryId/redeliver',
    {
      preHandler: app.requireAccess(manage),
      schema: {
        tags,
        description: 'Queues a finished delivery again, with the same `webhook-id`.',
        params: DeliveryParamsSchema,
        response: { 202: WebhookDeliverySchema, ...errorResponses(...AUTH_ERRORS, 409) },
      },
    },
    async (request, reply) => {
      const { id, deliveryId } = request.params;
      const delivery = await app.webhooks.redeliver(
        id,
        deliveryId,
        ownerOf(request.caller),
        actorOf(request),
      );
      return reply.code(202).send(delivery);
    },
  );

  app.post(
    '/api/v1/webhooks/:id/test',
    {
      preHandler: app.requireAccess(manage),
      schema: {
        tags,
        params: IdParamsSchema,
        response: { 200: WebhookDeliverySchema, ...errorResponses(...AUTH_ERRORS) },
      },
    },
    async (request) => app.webhooks.test(request.params.id, ownerOf(request.caller), actorOf(request)),
  );

  app.get(
    '/api/v1/webhooks/:id/deliveries',
    {
      preHandler: app.requireAccess(read),
      schema: {
        tags,
        params: IdParamsSchema,
        response: { 200: WebhookDeliveryListSchema, ...errorResponses(...AUTH_ERRORS) },
      },
    },
    async (request) => ({ items: await app.webhooks.deliveries(request.params.id, ownerOf(request.caller)) }),
  );
};

export default webhookRoutes;
