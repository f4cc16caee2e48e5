import { z } from 'zod';
import { DataverseUrlSchema } from './dataverse.ts';

/**
 * An environment of the admin's tenant that another setup already connected to Kantiv (issue 15 item 3): who
 * connected it and when, so the environment page can say so before the admin picks it again.
 */
export const EnvironmentClaimSchema = z.object({
  environmentUrl: z.string(),
  /** The admin who connected it (their sign-in name), when the setup recorded one. */
  connectedBy: z.string().nullable(),
  connectedAt: z.string(),
  /** The app of that connection: the tenant's one Kantiv app for every wizard setup (decision 010). */
  clientId: z.string().nullable(),
});
export type EnvironmentClaim = z.infer<typeof EnvironmentClaimSchema>;

export const EnvironmentCheckRequestSchema = z
  .object({
    environmentUrl: DataverseUrlSchema,
    /** Kantiv's app in the tenant as the wizard found it: only connections of that app hold the environment. */
    clientId: z.uuid().optional(),
  })
  .strict();
export type EnvironmentCheckRequest = z.infer<typeof EnvironmentCheckRequestSchema>;

/**
 * The server's answer for one environment, after checking the other connection again. `connected`: another setup's
 * connection to it works, so this setup may not make a second one (a repair link from support is the way).
 * `replaces`: another setup connected it but that connection no longer works (or was revoked, disconnected): this
 * setup may connect it, as its replacement.
 */
export const EnvironmentCheckResponseSchema = z.object({
  environmentUrl: z.string(),
  status: z.enum(['free', 'connected', 'replaces']),
  claim: EnvironmentClaimSchema.optional(),
});
export type EnvironmentCheckResponse = z.infer<typeof EnvironmentCheckResponseSchema>;
