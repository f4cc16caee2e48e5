import { z } from 'zod';
import { ConfigError } from './config.ts';

/** Settings of the support console's management pages (issue 21); parsed here so `config.ts` grows by one key. */
export const ConsoleSchema = z.object({
  /**
   * After a webhook secret is rotated, deliveries carry a signature with the old secret too for this long, so a
   * receiver can switch its secret without dropping deliveries (Standard Webhooks allows several `v1,` signatures).
   */
  WEBHOOK_SECRET_GRACE_HOURS: z.coerce.number().min(0).max(168).default(24),
  /** Whom read-only staff ask for the manage role: the console's one read-only banner names them. */
  CONSOLE_ACCESS_CONTACT_NAME: z.string().trim().min(1).max(200).default('a Kantiv Connect administrator'),
  CONSOLE_ACCESS_CONTACT_EMAIL: z.email().optional(),
});

/** Who grants console access, as the banner shows it (an e-mail when one is set). */
export type AccessContact = { name: string; email?: string };

export type ConsoleConfig = { webhookSecretGraceMs: number; accessContact: AccessContact };

export function loadConsoleConfig(env: Record<string, string | undefined>): ConsoleConfig {
  const parsed = ConsoleSchema.safeParse(env);
  if (!parsed.success)
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  const d = parsed.data;
  return {
    webhookSecretGraceMs: Math.round(d.WEBHOOK_SECRET_GRACE_HOURS * 3_600_000),
    accessContact: {
      name: d.CONSOLE_ACCESS_CONTACT_NAME,
      ...(d.CONSOLE_ACCESS_CONTACT_EMAIL ? { email: d.CONSOLE_ACCESS_CONTACT_EMAIL } : {}),
    },
  };
}
