import { z } from 'zod';

/** A Dataverse access token minted by the server with the stored credential; the secret itself never leaves. */
export const ConnectionTokenResponseSchema = z.object({
  accessToken: z.string(),
  tokenType: z.literal('Bearer'),
  expiresAt: z.iso.datetime(),
  /** The Dataverse environment the token is for, e.g. `https://contoso.crm.dynamics.com`. */
  resource: z.string(),
});
export type ConnectionTokenResponse = z.infer<typeof ConnectionTokenResponseSchema>;
