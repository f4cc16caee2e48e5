import { z } from 'zod';
import { DataverseUrlSchema } from './dataverse.ts';

/**
 * The one message that carries a secret: from the wizard to our server, once. The server seals it before it touches
 * the database and never returns it.
 */
export const CredentialHandoffRequestSchema = z
  .object({
    /** The same key on a retry returns the first result instead of storing twice. */
    idempotencyKey: z.uuid(),
    source: z.enum(['automatic', 'manual']),
    tenantId: z.uuid(),
    clientId: z.uuid(),
    clientSecret: z.string().min(1).max(1024),
    /** Graph's `keyId` of the password credential (automatic path). */
    secretKeyId: z.uuid().optional(),
    secretExpiresAt: z.iso.datetime().optional(),
    /** The Dataverse environment, e.g. `https://contoso.crm.dynamics.com` (port 443, a Dataverse domain). */
    environmentUrl: DataverseUrlSchema,
    /** The application user the engine created; verification checks WhoAmI returns it. */
    applicationUserId: z.uuid().optional(),
    roleName: z.string().max(200).optional(),
  })
  .strict();
export type CredentialHandoffRequest = z.infer<typeof CredentialHandoffRequestSchema>;

export const VerificationStatusSchema = z.enum(['pending', 'running', 'waiting', 'succeeded', 'failed']);
export type VerificationStatus = z.infer<typeof VerificationStatusSchema>;

export const TableProbeSchema = z.object({
  table: z.string(),
  ok: z.boolean(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});

export const VerificationSchema = z.object({
  status: VerificationStatusSchema,
  attempts: z.number().int().nonnegative(),
  checkedAt: z.iso.datetime().optional(),
  /** WhoAmI's UserId as seen with the stored credential. */
  applicationUserId: z.uuid().optional(),
  tables: z.array(TableProbeSchema).optional(),
  error: z.object({ code: z.string(), message: z.string(), fix: z.string().optional() }).optional(),
});
export type Verification = z.infer<typeof VerificationSchema>;

export const CredentialHandoffResponseSchema = z.object({
  setupId: z.string(),
  state: z.string(),
  verification: VerificationSchema,
});
export type CredentialHandoffResponse = z.infer<typeof CredentialHandoffResponseSchema>;
