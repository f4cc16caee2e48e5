import { z } from 'zod';

/**
 * Why a verified setup gets a follow-up wizard link: `renew` adds a new credential (a certificate by default) and
 * switches to it; `repair` lets the wizard recreate what drifted. Decisions 013 and 014. `disconnect` lets the
 * customer's admin remove what the wizard created in the tenant (decision 018); it also works after our side was
 * disconnected.
 */
export const SetupLinkPurposeSchema = z.enum(['renew', 'repair', 'disconnect']);
export type SetupLinkPurpose = z.infer<typeof SetupLinkPurposeSchema>;

export const CreateSetupLinkRequestSchema = z.object({
  purpose: SetupLinkPurposeSchema,
  /** How long the link works; the default is three days. */
  expiresInHours: z.number().int().min(1).max(720).default(72),
});
export type CreateSetupLinkRequest = z.input<typeof CreateSetupLinkRequestSchema>;

/** The live follow-up link of a setup (never its token). */
export const SetupLinkSchema = z.object({
  purpose: SetupLinkPurposeSchema,
  expiresAt: z.iso.datetime(),
});
export type SetupLink = z.infer<typeof SetupLinkSchema>;

/** The link carries a fresh setup token in its fragment and is shown once; the previous link stops working. */
export const CreateSetupLinkResponseSchema = SetupLinkSchema.extend({ url: z.url() });
export type CreateSetupLinkResponse = z.infer<typeof CreateSetupLinkResponseSchema>;

/** What a repair link's wizard run reports when it finished (`POST /api/v1/wizard/repaired`): the ids it converged on. */
export const RepairReportSchema = z
  .object({
    /** The application user the run found or made again (a deleted one comes back with a new id). */
    applicationUserId: z.uuid().optional(),
  })
  .strict();
export type RepairReport = z.infer<typeof RepairReportSchema>;
