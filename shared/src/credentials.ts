import { z } from 'zod';
import { DataverseUrlSchema } from './dataverse.ts';

/**
 * How a connection proves itself to Entra. Each kind names what the server keeps: a client secret (sealed), a
 * certificate whose private key the server generated (sealed; the browser only ever sees the public part). A third
 * kind, a federated identity credential trusting an issuer Kantiv runs, would keep nothing per customer; it slots in
 * here as `federated` without reshaping the hand-off (decision 010).
 */
export const CredentialKindSchema = z.enum(['client_secret', 'certificate']);
export type CredentialKind = z.infer<typeof CredentialKindSchema>;

/** The wizard asks the server for a certificate for the app it registered; the key pair is made on the server. */
export const CertificateRequestSchema = z
  .object({
    tenantId: z.uuid(),
    clientId: z.uuid(),
    environmentUrl: DataverseUrlSchema,
    /** From the plan, already shortened to the tenant's app management policy. */
    lifetimeDays: z.number().int().min(1).max(3650),
  })
  .strict();
export type CertificateRequest = z.infer<typeof CertificateRequestSchema>;

/** Only public material: what Graph's `keyCredentials` takes, and the id the browser confirms at hand-off. */
export const CertificateResponseSchema = z.object({
  /** The `keyId` to send with the certificate in `keyCredentials`, and back in the hand-off. */
  keyId: z.uuid(),
  /** Base64 DER of the self-signed certificate (Graph's `keyCredential.key`). */
  certificate: z.string(),
  /** Hex SHA-256 thumbprint. */
  thumbprintSha256: z.string(),
  notBefore: z.iso.datetime(),
  notAfter: z.iso.datetime(),
});
export type CertificateResponse = z.infer<typeof CertificateResponseSchema>;

/**
 * The hand-off, from the wizard to our server, once. With a client secret it is the one message that carries a
 * secret (sealed before it touches the database, never returned); with a certificate it carries none: the browser
 * confirms the `keyId` it added to the application and the server activates the key it holds.
 */
/** The hand-off's fields without the rules between them (a form picks its fields from here). */
export const CredentialHandoffFieldsSchema = z
  .object({
    /** The same key on a retry returns the first result instead of storing twice. */
    idempotencyKey: z.uuid(),
    source: z.enum(['automatic', 'manual']),
    tenantId: z.uuid(),
    clientId: z.uuid(),
    /** Absent means `client_secret` (hand-offs from before certificates). */
    credentialKind: CredentialKindSchema.optional(),
    /** Certificate mode: the `keyId` of the certificate the server generated and the browser uploaded. */
    keyId: z.uuid().optional(),
    clientSecret: z.string().min(1).max(1024).optional(),
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

export const CredentialHandoffRequestSchema = CredentialHandoffFieldsSchema.superRefine((req, ctx) => {
  if ((req.credentialKind ?? 'client_secret') === 'certificate') {
    if (req.clientSecret !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['clientSecret'],
        message: 'A certificate hand-off carries no secret.',
      });
    if (req.keyId === undefined)
      ctx.addIssue({ code: 'custom', path: ['keyId'], message: 'Name the certificate uploaded (keyId).' });
  } else if (req.clientSecret === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['clientSecret'],
      message: 'A client secret hand-off needs clientSecret.',
    });
  }
});
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
