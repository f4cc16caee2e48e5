/**
 * The steps of a setup, in order (`StepIdSchema` in steps.ts). A plain list, without zod, so the first wizard page can
 * use it without loading zod (web/src/lib/answer-guards.ts, web/src/features/wizard/lib/run-steps.ts).
 */
export const STEP_IDS = [
  'preflight',
  'environment',
  'app_registration',
  'api_permission',
  'credential',
  'security_role',
  'application_user',
  'handoff',
  'verification',
] as const;
