/**
 * The states of a setup (`SetupStateSchema` in setup.ts). A plain list, without zod, so the first wizard page can use
 * it without loading zod (web/src/lib/answer-guards.ts).
 */
export const SETUP_STATES = [
  'invited',
  'in_progress',
  'awaiting_verification',
  'verified',
  'failed',
  'expired',
  'revoked',
  /** Torn down (decision 018): the credential crypto-shredded, Kantiv's jobs stopped; final like `revoked`. */
  'disconnected',
] as const;
