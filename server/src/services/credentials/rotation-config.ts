import { z } from 'zod';

/**
 * Settings of certificate self-rotation (decision 012), parsed from the same environment as `loadConfig` (which
 * calls this): kept here so the rotation's knobs live next to the rotation.
 */
export const RotationEnvSchema = z.object({
  /** A certificate is rotated this many days before it expires (Microsoft keeps both keys valid meanwhile). */
  CERTIFICATE_ROTATE_BEFORE_DAYS: z.coerce.number().int().min(1).max(365).default(60),
  /** How often the scheduler looks for certificates due for rotation. */
  CERTIFICATE_ROTATION_SWEEP_MS: z.coerce.number().int().min(50).max(86_400_000).default(3_600_000),
  /** After this many failed attempts in a row the setup needs attention (it keeps retrying). */
  CERTIFICATE_ROTATION_ATTENTION_AFTER: z.coerce.number().int().min(1).max(100).default(3),
  /** First retry delay; it doubles with each failure up to CERTIFICATE_ROTATION_RETRY_MAX_MS. */
  CERTIFICATE_ROTATION_RETRY_BASE_MS: z.coerce.number().int().min(10).max(86_400_000).default(60_000),
  CERTIFICATE_ROTATION_RETRY_MAX_MS: z.coerce.number().int().min(10).max(604_800_000).default(21_600_000),
  /** Lifetime of the next certificate; shortened to what the old one had when that was less. */
  CERTIFICATE_ROTATION_LIFETIME_DAYS: z.coerce.number().int().min(30).max(3_650).default(365),
  JOB_CONCURRENCY_ROTATION: z.coerce.number().int().min(1).max(64).default(4),
});

export type RotationConfig = {
  rotateBeforeMs: number;
  sweepMs: number;
  attentionAfter: number;
  retryBaseMs: number;
  retryMaxMs: number;
  lifetimeDays: number;
  concurrency: number;
};

/** Throws a list of `NAME: problem` lines (loadConfig reports them with its own). */
export function loadRotationConfig(env: Record<string, string | undefined>): RotationConfig {
  const parsed = RotationEnvSchema.safeParse(env);
  if (!parsed.success)
    throw new Error(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n'));
  const c = parsed.data;
  return {
    rotateBeforeMs: c.CERTIFICATE_ROTATE_BEFORE_DAYS * 86_400_000,
    sweepMs: c.CERTIFICATE_ROTATION_SWEEP_MS,
    attentionAfter: c.CERTIFICATE_ROTATION_ATTENTION_AFTER,
    retryBaseMs: c.CERTIFICATE_ROTATION_RETRY_BASE_MS,
    retryMaxMs: c.CERTIFICATE_ROTATION_RETRY_MAX_MS,
    lifetimeDays: c.CERTIFICATE_ROTATION_LIFETIME_DAYS,
    concurrency: c.JOB_CONCURRENCY_ROTATION,
  };
}
