import { z } from 'zod';
import { ConnectionHealthSchema, HealthCauseSchema } from './connection-health.ts';

/** Events an API client can subscribe to. Payloads carry identifiers and states, never a secret or a token. */
export const WebhookEventTypeSchema = z.enum([
  'setup.verified',
  'setup.failed',
  'credential.expiring',
  /** The admin was shown a blocker or signed in to the wrong tenant (`data.message` says what). */
  'setup.blocked',
  /** The admin stopped the run or has been idle (`data.message` says which). */
  'setup.stalled',
  /** A health check found drift: `data.health` (degraded or broken), `data.cause` with the exact fix. */
  'setup.degraded',
  /** A connection that had drifted is healthy again. */
  'setup.recovered',
  /** Kantiv disconnected the setup: its credential is destroyed and no token is vended for it any more. */
  'setup.disconnected',
  /** A renewal or repair link's new certificate was verified and token vending switched to it (decision 013). */
  'credential.renewed',
]);
export type WebhookEventType = z.infer<typeof WebhookEventTypeSchema>;

export const CreateWebhookRequestSchema = z
  .object({
    /** https (http only when the server runs in development mode); no credentials; a public host (checked). */
    url: z.url({ protocol: /^https?$/ }).max(2000),
    events: z.array(WebhookEventTypeSchema).min(1).max(WebhookEventTypeSchema.options.length),
    description: z.string().trim().max(200).optional(),
  })
  .strict();
export type CreateWebhookRequest = z.infer<typeof CreateWebhookRequestSchema>;

export const WebhookSubscriptionSchema = z.object({
  id: z.uuid(),
  url: z.string(),
  events: z.array(WebhookEventTypeSchema),
  description: z.string().optional(),
  /** The API key that owns it, when an API client created it. */
  ownerApiKeyId: z.uuid().optional(),
  createdAt: z.iso.datetime(),
  disabledAt: z.iso.datetime().optional(),
  /** Paused: kept, but no delivery goes out until it is resumed. */
  pausedAt: z.iso.datetime().optional(),
  /** After a rotation: until then deliveries also carry a signature made with the previous secret. */
  previousSecretValidUntil: z.iso.datetime().optional(),
});
export type WebhookSubscription = z.infer<typeof WebhookSubscriptionSchema>;

/** An edit of a subscription: any of its fields, and pausing or resuming it. */
export const UpdateWebhookRequestSchema = z
  .object({
    url: CreateWebhookRequestSchema.shape.url.optional(),
    events: CreateWebhookRequestSchema.shape.events.optional(),
    /** An empty description removes it. */
    description: z.string().trim().max(200).optional(),
    paused: z.boolean().optional(),
  })
  .strict()
  .refine((b) => Object.values(b).some((v) => v !== undefined), { message: 'Nothing to change.' });
export type UpdateWebhookRequest = z.infer<typeof UpdateWebhookRequestSchema>;

/** A new signing secret, shown once; the previous one keeps signing until `previousSecretValidUntil`. */
export const RotateWebhookSecretResponseSchema = z.object({
  subscription: WebhookSubscriptionSchema,
  signingSecret: z.string(),
});

export const DeliveryParamsSchema = z.object({ id: z.uuid(), deliveryId: z.uuid() });

/**
 * `signingSecret` (`whsec_…`) is shown once: receivers verify deliveries per Standard Webhooks (`webhook-id`,
 * `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`).
 */
export const CreateWebhookResponseSchema = z.object({
  subscription: WebhookSubscriptionSchema,
  signingSecret: z.string(),
});

export const WebhookSubscriptionListSchema = z.object({ items: z.array(WebhookSubscriptionSchema) });

export const WebhookDeliveryStatusSchema = z.enum(['pending', 'succeeded', 'failed']);

export const WebhookDeliverySchema = z.object({
  id: z.uuid(),
  subscriptionId: z.uuid(),
  eventType: z.string(),
  setupId: z.string().optional(),
  status: WebhookDeliveryStatusSchema,
  attempts: z.number().int().nonnegative(),
  lastStatusCode: z.number().int().optional(),
  /**
   * No longer filled: a receiver's answer is never stored or shown, or webhooks would read internal services.
   * Kept optional so older clients still parse deliveries.
   */
  lastResponse: z.string().optional(),
  /** A short, fixed description (never the receiver's or the network's own text). */
  lastError: z.string().optional(),
  /** How long the attempt took (test deliveries). */
  durationMs: z.number().int().nonnegative().optional(),
  nextAttemptAt: z.iso.datetime().optional(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type WebhookDelivery = z.infer<typeof WebhookDeliverySchema>;

export const WebhookDeliveryListSchema = z.object({ items: z.array(WebhookDeliverySchema) });

/** The body we POST to a receiver. */
export const WebhookPayloadSchema = z.object({
  id: z.uuid(),
  type: z.string(),
  createdAt: z.iso.datetime(),
  data: z.object({
    setupId: z.string().optional(),
    customerName: z.string().optional(),
    state: z.string().optional(),
    tenantId: z.string().optional(),
    clientId: z.string().optional(),
    environmentUrl: z.string().optional(),
    secretExpiresAt: z.string().optional(),
    /** `client_secret` or `certificate`, with the credential's end (for either kind). */
    credentialKind: z.string().optional(),
    credentialExpiresAt: z.string().optional(),
    /** `credential.expiring`: the threshold this notice is for (30, 14, 7 or 1 days before the end). */
    expiringInDays: z.number().int().optional(),
    message: z.string().optional(),
    /** `setup.degraded` / `setup.recovered`: the health now, before, and the drift with its fix. */
    health: ConnectionHealthSchema.optional(),
    previousHealth: ConnectionHealthSchema.optional(),
    cause: HealthCauseSchema.optional(),
  }),
});
export type WebhookPayload = z.infer<typeof WebhookPayloadSchema>;
