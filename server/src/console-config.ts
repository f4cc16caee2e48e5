import { z } from 'zod';
import { ConfigError } from './config.ts';

/** Settings of the support console's management pages (issue 21); parsed here so `config.ts` grows by one key. */
const ConsoleSchema = z.object({
  /**
   * After a webhook secret is rotated, deliveries carry a signature with the old secret too for this long, so a
   * receiver can switch its secret without dropping deliveries (Standard Webhooks allows several `v1,` signatures).
   */
  WEBHOOK_SECRET_GRACE_HOURS: z.coerce.number().min(0).max(168).default(24),
});

export type ConsoleConfig = { webhookSecretGraceMs: number };

export function loadConsoleConfig(env: Record<string, string | undefined>): ConsoleConfig {
  const parsed = ConsoleSchema.safeParse(env);
  if (!parsed.success)
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  return { webhookSecretGraceMs: Math.round(parsed.data.WEBHOOK_SECRET_GRACE_HOURS * 3_600_000) };
}
