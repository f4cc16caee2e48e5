import { z } from 'zod';
import { StepErrorSchema, StepIdSchema, StepStatusSchema } from './steps.ts';

/**
 * Non-secret identifiers a step may report. Anything not listed here is rejected, so a secret or token can never
 * ride along in an event.
 */
export const StepDataSchema = z
  .object({
    tenantId: z.uuid(),
    environmentUrl: z.url(),
    environmentName: z.string().max(200),
    applicationObjectId: z.uuid(),
    clientId: z.uuid(),
    servicePrincipalId: z.uuid(),
    secretKeyId: z.uuid(),
    secretExpiresAt: z.iso.datetime(),
    roleId: z.uuid(),
    roleName: z.string().max(200),
    applicationUserId: z.uuid(),
    businessUnitId: z.uuid(),
    created: z.boolean(),
    /** The application user was deactivated by hand and this run activated it again. */
    activated: z.boolean(),
    missingPrivileges: z.array(z.string().max(200)).max(500),
  })
  .partial()
  .strict();
export type StepData = z.infer<typeof StepDataSchema>;

/** A step event as the wizard reports it. `seq` orders events within a setup and makes posting idempotent. */
export const StepEventInputSchema = z
  .object({
    seq: z.number().int().nonnegative().max(1_000_000),
    step: StepIdSchema,
    status: StepStatusSchema,
    at: z.iso.datetime(),
    message: z.string().max(1000),
    attempt: z.number().int().positive().max(1000).optional(),
    /** For `waiting`: when the next attempt is due. */
    retryAt: z.iso.datetime().optional(),
    error: StepErrorSchema.optional(),
    data: StepDataSchema.optional(),
  })
  .strict();
export type StepEventInput = z.infer<typeof StepEventInputSchema>;

export const PostStepEventsRequestSchema = z
  .object({ events: z.array(StepEventInputSchema).min(1).max(100) })
  .strict();
export type PostStepEventsRequest = z.infer<typeof PostStepEventsRequestSchema>;

export const EventSourceSchema = z.enum(['wizard', 'server', 'staff', 'system']);

/** An event as stored and streamed to watchers (SSE `id` = `id`). */
export const SetupEventSchema = z.object({
  id: z.number().int().positive(),
  setupId: z.string(),
  type: z.enum(['step', 'state', 'verification', 'action', 'health']),
  source: EventSourceSchema,
  step: StepIdSchema.optional(),
  status: StepStatusSchema.optional(),
  message: z.string(),
  at: z.iso.datetime(),
  attempt: z.number().int().optional(),
  retryAt: z.iso.datetime().optional(),
  error: StepErrorSchema.optional(),
  data: z.record(z.string(), z.unknown()).optional(),
});
export type SetupEvent = z.infer<typeof SetupEventSchema>;

export const PostStepEventsResponseSchema = z.object({
  accepted: z.number().int().nonnegative(),
  /** Events whose `seq` was already stored (a retry): ignored. */
  duplicates: z.number().int().nonnegative(),
  /** The highest `seq` stored for this setup. */
  lastSeq: z.number().int(),
});
export type PostStepEventsResponse = z.infer<typeof PostStepEventsResponseSchema>;
