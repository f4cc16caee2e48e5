import { z } from 'zod';
import { StepErrorSchema } from './steps.ts';

/**
 * Why a setup needs support's attention while its wizard is still open: the admin was shown a blocker, signed in to
 * another tenant, pressed Cancel, or has done nothing for a while. A failed setup needs attention too (its state).
 */
export const AttentionKindSchema = z.enum([
  'blocked',
  'wrong_tenant',
  'stopped',
  'idle',
  // A verified setup whose certificate failed to rotate itself again and again (the old key still works).
  'rotation_failing',
]);
export type AttentionKind = z.infer<typeof AttentionKindSchema>;

export const SetupAttentionSchema = z.object({
  kind: AttentionKindSchema,
  since: z.iso.datetime(),
  /** What the admin saw, in plain words (the blocker, the refusal). */
  message: z.string().max(2000),
});
export type SetupAttention = z.infer<typeof SetupAttentionSchema>;

/** A blocker as the wizard showed it: the fix is what the admin was told to do. */
export const ShownBlockerSchema = StepErrorSchema.pick({ code: true, message: true, fix: true }).strict();
export type ShownBlocker = z.infer<typeof ShownBlockerSchema>;

/** Moments only the wizard sees (the server records sign-in, wrong tenant, opening and idling itself). */
export const WizardMomentRequestSchema = z.discriminatedUnion('moment', [
  z.object({ moment: z.literal('blocked'), blockers: z.array(ShownBlockerSchema).min(1).max(20) }).strict(),
  z.object({ moment: z.literal('stopped') }).strict(),
]);
export type WizardMomentRequest = z.infer<typeof WizardMomentRequestSchema>;

export const WizardMomentResponseSchema = z.object({ recorded: z.boolean() });

/** The moments of the admin's journey that the timeline shows (event `data.moment`). */
export const MomentSchema = z.enum([
  'invite_opened',
  'signed_in',
  'blocked',
  'wrong_tenant',
  'stopped',
  'idle',
  'resumed',
  'rotation_failing',
]);
export type Moment = z.infer<typeof MomentSchema>;
