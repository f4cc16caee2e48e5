import { z } from 'zod';

/**
 * What the customer's side of a disconnect did in the tenant (decision 018), as the wizard reports it: the server
 * keeps it in the audit entry next to who confirmed it.
 */
export const TenantRemovalSchema = z.object({
  /** `deactivated`: Dataverse refused the delete after the deactivation, so the user stays, disabled and role-less. */
  applicationUser: z.enum(['removed', 'deactivated', 'absent']),
  /** Kept when another user or team holds it, or when Kantiv did not create it (the admin picked an existing role). */
  securityRole: z.enum(['removed', 'kept_in_use', 'kept_not_ours', 'absent']),
  /**
   * Soft-deleted: restorable from Deleted applications for 30 days. Kept while another live setup of the tenant uses
   * the same app (decision 010).
   */
  appRegistration: z.enum(['soft_deleted', 'kept_shared', 'absent']),
});
export type TenantRemoval = z.infer<typeof TenantRemovalSchema>;

export const WizardDisconnectRequestSchema = z.object({
  /** The admin's fresh Microsoft sign-in: it names who disconnected, and must be of the setup's tenant. */
  idToken: z.string().min(1).max(16_384),
  removed: TenantRemovalSchema,
});
export type WizardDisconnectRequest = z.infer<typeof WizardDisconnectRequestSchema>;

export const WizardDisconnectResponseSchema = z.object({
  state: z.literal('disconnected'),
  /** Credentials shredded by this call (0 when support had disconnected our side before). */
  credentialsShredded: z.number().int().min(0),
  disconnectedBy: z.string(),
});
export type WizardDisconnectResponse = z.infer<typeof WizardDisconnectResponseSchema>;
