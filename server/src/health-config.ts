import { z } from 'zod';
import { ConfigError } from './config.ts';

/** Settings of the scheduled health checks (decision 014); parsed here so `config.ts` stays one concern per line. */
export const HealthSchema = z.object({
  HEALTH_CHECKS_ENABLED: z.enum(['true', 'false', '1', '0']).default('true'),
  /** How often each verified setup is checked; every check lands at a random point of ±10 % around it. */
  HEALTH_CHECK_INTERVAL_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .max(7 * 86_400)
    .default(3_600),
  /** Checks of one tenant at the same time (per instance): one customer's Entra never sees a burst from us. */
  HEALTH_CHECK_TENANT_CONCURRENCY: z.coerce.number().int().min(1).max(16).default(2),
  /** Checks started per second across all tenants (per instance). */
  HEALTH_CHECK_RATE_PER_SECOND: z.coerce.number().min(0.1).max(1_000).default(20),
  /** Job slots for health checks (per instance). */
  JOB_CONCURRENCY_HEALTH: z.coerce.number().int().min(1).max(256).default(8),
  /** How often the sweep looks for verified setups that have no check scheduled yet. */
  HEALTH_SWEEP_MS: z.coerce.number().int().min(50).max(3_600_000).default(60_000),
});

export type HealthConfig = {
  enabled: boolean;
  intervalMs: number;
  tenantConcurrency: number;
  ratePerSecond: number;
  slots: number;
  sweepMs: number;
};

export function loadHealthConfig(env: Record<string, string | undefined>): HealthConfig {
  const parsed = HealthSchema.safeParse(env);
  if (!parsed.success)
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  const c = parsed.data;
  return {
    enabled: c.HEALTH_CHECKS_ENABLED === 'true' || c.HEALTH_CHECKS_ENABLED === '1',
    intervalMs: c.HEALTH_CHECK_INTERVAL_SECONDS * 1000,
    tenantConcurrency: c.HEALTH_CHECK_TENANT_CONCURRENCY,
    ratePerSecond: c.HEALTH_CHECK_RATE_PER_SECOND,
    slots: c.JOB_CONCURRENCY_HEALTH,
    sweepMs: c.HEALTH_SWEEP_MS,
  };
}
