import { z } from 'zod';
import { STEP_IDS } from './step-ids.ts';

export { STEP_IDS };
import { EngineTextSchema } from './engine-texts.ts';

/**
 * The steps of a setup, in order. Seed steps of the manual guide: app_registration (1), credential (2),
 * api_permission (3), security_role + application_user (4), handoff (5). `verification` runs on the server.
 */
export const StepIdSchema = z.enum(STEP_IDS);
export type StepId = z.infer<typeof StepIdSchema>;

/**
 * Each step's one name, the same in the wizard (its English catalog holds these words) and in the support console,
 * so that an admin and support talk about the same step.
 */
export const STEP_NAMES: Record<StepId, string> = {
  preflight: 'Check your roles',
  environment: 'Check the environment',
  app_registration: 'App registration',
  api_permission: 'Dynamics CRM permission',
  credential: 'Certificate or client secret',
  security_role: 'Security role',
  application_user: 'Application user',
  handoff: 'Hand the credential to Kantiv',
  verification: 'Kantiv verifies the connection',
};

/**
 * What a step in progress says when the admin stopped the run (Cancel): the engine reports it with the step back at
 * `pending`, the server keeps it, and the wizard reopened later knows from it that the run was stopped, not cut off,
 * and waits for the admin instead of running again by itself. The wizard words it in the admin's language.
 */
export const STEP_STOPPED_MESSAGE = 'Stopped before it finished; it runs again when you continue.';

/** `waiting` is Microsoft's replication delay or throttling: the step is healthy, just not done yet. */
export const StepStatusSchema = z.enum(['pending', 'running', 'waiting', 'succeeded', 'failed', 'skipped']);
export type StepStatus = z.infer<typeof StepStatusSchema>;

/** A Microsoft (or our) error as shown to people: never a token or a secret. */
export const StepErrorSchema = z.object({
  /** Microsoft's code (`Authorization_RequestDenied`, `AADSTS700016`, `0x8004F510`) or ours. */
  code: z.string().min(1).max(200),
  message: z.string().max(2000),
  /** Microsoft's request id (Graph `innerError.request-id`, Entra trace id, Dataverse activity id). */
  requestId: z.string().max(200).optional(),
  /** What the admin should do, in plain words; who must do it. */
  fix: z.string().max(2000).optional(),
  /** The same explanation as a catalog code with parameters, for the wizard to word in the admin's language. */
  text: EngineTextSchema.optional(),
});
export type StepError = z.infer<typeof StepErrorSchema>;

export const StepSummarySchema = z.object({
  step: StepIdSchema,
  status: StepStatusSchema,
  message: z.string().optional(),
  attempts: z.number().int().nonnegative(),
  startedAt: z.iso.datetime().optional(),
  finishedAt: z.iso.datetime().optional(),
  error: StepErrorSchema.optional(),
});
export type StepSummary = z.infer<typeof StepSummarySchema>;
