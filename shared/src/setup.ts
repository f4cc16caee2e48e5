import { z } from 'zod';
import { SETUP_STATES } from './setup-states.ts';
import { SetupAttentionSchema } from './attention.ts';
import { SetupHealthSchema } from './connection-health.ts';
import { SetupLinkSchema } from './setup-links.ts';
import { CredentialKindSchema, VerificationSchema } from './credentials.ts';
import { CredentialSummarySchema, ExpiresWithinDaysSchema } from './credential-expiry.ts';
import { EnvironmentClaimSchema } from './environment-claims.ts';
import { ManifestSchema } from './manifest.ts';
import { StepSummarySchema } from './steps.ts';

export const SetupStateSchema = z.enum(SETUP_STATES);
export type SetupState = z.infer<typeof SetupStateSchema>;
/** States a setup never leaves on its own (revoked and disconnected are final; the others can be re-verified or extended). */
export const FINAL_STATES: readonly SetupState[] = [
  'verified',
  'failed',
  'expired',
  'revoked',
  'disconnected',
];

export const SetupIdSchema = z.uuid();

/** A verified DNS domain of the customer's tenant, e.g. `contoso.onmicrosoft.com` or `contoso.com`. */
const DomainSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(
    /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
    'must be a domain like contoso.com',
  );

export const CreateSetupRequestSchema = z
  .object({
    customerName: z.string().trim().min(1).max(200),
    expectedTenantDomain: DomainSchema.optional(),
    /** The Dataverse environment URL or name, when Kantiv already knows it. */
    environmentHint: z.string().trim().min(1).max(300).optional(),
    /** Table privileges Kantiv needs; the server's default manifest when absent. */
    manifest: ManifestSchema.optional(),
    /** Microsoft recommends under 12 months for secrets; certificates rotate themselves whatever their lifetime. */
    secretLifetimeMonths: z.number().int().min(1).max(24).default(24),
    inviteExpiresInHours: z
      .number()
      .int()
      .min(1)
      .max(24 * 30)
      .default(24 * 7),
  })
  .strict();
export type CreateSetupRequest = z.input<typeof CreateSetupRequestSchema>;

export const SetupSchema = z.object({
  id: SetupIdSchema,
  customerName: z.string(),
  state: SetupStateSchema,
  expectedTenantDomain: z.string().optional(),
  environmentHint: z.string().optional(),
  manifest: ManifestSchema,
  secretLifetimeMonths: z.number().int(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  inviteExpiresAt: z.iso.datetime(),
  tenantId: z.uuid().optional(),
  tenantDomain: z.string().optional(),
  adminUsername: z.string().optional(),
  environmentUrl: z.url().optional(),
  clientId: z.uuid().optional(),
  applicationUserId: z.uuid().optional(),
  roleName: z.string().optional(),
  credentialKind: CredentialKindSchema.optional(),
  credentialSource: z.enum(['automatic', 'manual']).optional(),
  secretExpiresAt: z.iso.datetime().optional(),
  verification: VerificationSchema.optional(),
  steps: z.array(StepSummarySchema),
  /** While the wizard is open: why support should look (blocked, wrong tenant, stopped, idle). */
  attention: SetupAttentionSchema.optional(),
  /** When the admin first opened the invite link. */
  openedAt: z.iso.datetime().optional(),
  /** The admin's last write through the wizard (idle detection counts from it). */
  lastAdminActivityAt: z.iso.datetime().optional(),
  /** The credential it connects with: kind, keyId or thumbprint, expiry (never a value). */
  credential: CredentialSummarySchema.optional(),
  /** Who created the setup: a staff member (by name when known) or an API key (by its name). */
  createdBy: z.object({ kind: z.string(), id: z.string(), name: z.string().optional() }).optional(),
  /** Once verified: the scheduled health check's latest answer (see decision 014). */
  health: SetupHealthSchema.optional(),
  /** A live renewal or repair link issued for the verified setup (decision 013). */
  link: SetupLinkSchema.optional(),
});
export type Setup = z.infer<typeof SetupSchema>;

/** The invite link carries the setup token in its fragment (`#token=…`): never sent to a server in a URL. */
export const CreateSetupResponseSchema = z.object({
  setup: SetupSchema,
  inviteUrl: z.url(),
});
export type CreateSetupResponse = z.infer<typeof CreateSetupResponseSchema>;

/** Columns the setups list sorts by (any column the console shows that the server holds). */
export const SetupSortSchema = z.enum([
  'customer',
  'state',
  'tenant',
  'environment',
  'created',
  'creator',
  'updated',
  'inviteExpiry',
  'secretExpiry',
]);
export type SetupSort = z.infer<typeof SetupSortSchema>;

/** The filters of the list and of its CSV export (the export takes no page). */
export const SetupFilterQuerySchema = z.object({
  state: SetupStateSchema.optional(),
  q: z.string().trim().max(200).optional(),
  /** `needed`: blocked, wrong tenant, stopped or idle while the wizard is open, or failed. */
  attention: z.enum(['needed']).optional(),
  /** Setups whose credential ends within this many days (or has ended). */
  expiresWithinDays: ExpiresWithinDaysSchema.optional(),
  /** Last activity, newest first, unless told otherwise. */
  sort: SetupSortSchema.default('updated'),
  order: z.enum(['asc', 'desc']).default('desc'),
});

export const SetupListQuerySchema = SetupFilterQuerySchema.extend({
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(200).optional(),
});

export const SetupListSchema = z.object({
  items: z.array(SetupSchema),
  nextCursor: z.string().optional(),
  counts: z.record(SetupStateSchema, z.number().int()),
  /** Setups that need attention; like `counts`, within the search (`q`). */
  needsAttention: z.number().int(),
  /** Setups matching every filter (search, state, attention): the page count is `ceil(total / limit)`. */
  total: z.number().int(),
});
export type SetupList = z.infer<typeof SetupListSchema>;

/** The compact view for API clients polling `GET /api/v1/setups/:id/status`. */
export const SetupStatusSchema = z.object({
  id: SetupIdSchema,
  state: SetupStateSchema,
  updatedAt: z.iso.datetime(),
  steps: z.array(StepSummarySchema.pick({ step: true, status: true })),
  verification: VerificationSchema.pick({ status: true, checkedAt: true }).optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  /** The credential's kind, expiry and the `credential.expiring` notice already sent (see CredentialSummarySchema). */
  credential: CredentialSummarySchema.optional(),
  health: SetupHealthSchema.optional(),
});
export type SetupStatus = z.infer<typeof SetupStatusSchema>;

export const ExtendSetupRequestSchema = z
  .object({
    hours: z
      .number()
      .int()
      .min(1)
      .max(24 * 30),
  })
  .strict();

/** What the customer admin's wizard sees (setup token): no internal notes, no other setups. */
export const WizardSetupSchema = SetupSchema.pick({
  id: true,
  customerName: true,
  state: true,
  expectedTenantDomain: true,
  environmentHint: true,
  manifest: true,
  secretLifetimeMonths: true,
  inviteExpiresAt: true,
  tenantId: true,
  tenantDomain: true,
  environmentUrl: true,
  clientId: true,
  applicationUserId: true,
  roleName: true,
  secretExpiresAt: true,
  verification: true,
  steps: true,
  // The done page names the credential; a renewal run watches these: the link's purpose, then the switch to the new
  // certificate (decision 013).
  credentialKind: true,
  link: true,
  // A follow-up link's run hands off a new credential and waits until the active one is it (decision 013).
  credential: true,
}).extend({
  /** The nonce the wizard's Microsoft sign-in request must carry; the server checks it in the ID token. */
  signInNonce: z.string().optional(),
  /** With a disconnect link: another live setup of the tenant uses the same app registration, so it stays. */
  appShared: z.boolean().optional(),
  /** Environments of the bound tenant another verified setup connected (issue 15 item 3), marked on the page. */
  connectedEnvironments: z.array(EnvironmentClaimSchema).optional(),
});
export type WizardSetup = z.infer<typeof WizardSetupSchema>;

/** The admin's Microsoft ID token, verified by the server to bind the setup to the admin's tenant. */
export const IdentityBindingRequestSchema = z.object({ idToken: z.string().min(20).max(20_000) }).strict();
export const IdentityBindingResponseSchema = z.object({
  tenantId: z.uuid(),
  username: z.string(),
  name: z.string().optional(),
});
export type IdentityBindingResponse = z.infer<typeof IdentityBindingResponseSchema>;
