import { z } from 'zod';
import { CredentialKindSchema } from './credentials.ts';

/**
 * Days before a credential's end at which `credential.expiring` goes out, widest first. Each is announced once per
 * credential; a sweep that first sees a credential late announces only the tightest threshold it has crossed.
 */
export const EXPIRY_NOTICE_DAYS = [30, 14, 7, 1] as const;
export type ExpiryNoticeDays = (typeof EXPIRY_NOTICE_DAYS)[number];

const DAY_MS = 86_400_000;

/** The tightest threshold `expiresAt` is within at `now`, or undefined when none (or already expired: -1 is not one). */
export function expiryThreshold(expiresAt: string, now: Date): ExpiryNoticeDays | undefined {
  const left = Date.parse(expiresAt) - now.getTime();
  let hit: ExpiryNoticeDays | undefined;
  for (const days of EXPIRY_NOTICE_DAYS) if (left <= days * DAY_MS) hit = days;
  return hit;
}

/**
 * The credential a setup connects with, as the console and API clients see it: its kind and public identifiers
 * (Graph's keyId, a certificate's SHA-256 thumbprint), never a value.
 */
export const CredentialSummarySchema = z.object({
  kind: CredentialKindSchema,
  /** Graph's `keyId` of the password or key credential on the customer's application. */
  keyId: z.string().optional(),
  /** A certificate's SHA-256 thumbprint (hex). */
  thumbprintSha256: z.string().optional(),
  expiresAt: z.iso.datetime().optional(),
  /** The tightest `credential.expiring` threshold already announced for this credential (30, 14, 7 or 1 days). */
  expiringNoticeDays: z.number().int().optional(),
});
export type CredentialSummary = z.infer<typeof CredentialSummarySchema>;

/** The list filter "expires within N days" (`expiresWithinDays`): also matches credentials already expired. */
export const ExpiresWithinDaysSchema = z.coerce.number().int().min(1).max(3650);
