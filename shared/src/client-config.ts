import { z } from 'zod';

/**
 * Runtime configuration the SPA reads from `GET /api/v1/client-config` before it starts MSAL. Nothing secret. The
 * same production build thus runs against Microsoft or against the emulator (demo, tests).
 */
export const ClientConfigSchema = z.object({
  microsoft: z.object({
    /** `https://login.microsoftonline.com` (or the emulator). Tenant paths are appended by the SPA. */
    authorityHost: z.url(),
    /** `https://graph.microsoft.com` */
    graphBaseUrl: z.url(),
    /** `https://globaldisco.crm.dynamics.com` */
    discoveryBaseUrl: z.url(),
    /** Kantiv Connect's own multi-tenant SPA app registration, used by customer admins to sign in. */
    wizardClientId: z.uuid(),
  }),
  staff: z.object({
    /** Kantiv's own tenant: support staff sign in here. */
    tenantId: z.uuid(),
    /** The console's app registration (SPA) in Kantiv's tenant. */
    clientId: z.uuid(),
    /** Scope of our API that carries the staff app roles, e.g. `api://kantiv-connect/Setups.Access`. */
    apiScope: z.string().min(1),
    /**
     * App-role values in the staff token's `roles` claim that grant Connect.Manage / Connect.Read — the server's
     * STAFF_MANAGE_ROLES / STAFF_READ_ROLES, so the console shows what the server will allow.
     */
    manageRoles: z.array(z.string().min(1)).default(['Connect.Manage']),
    readRoles: z.array(z.string().min(1)).default(['Connect.Read']),
  }),
  support: z.object({ email: z.email(), name: z.string() }),
  /** The console: whom read-only staff ask for the manage role (CONSOLE_ACCESS_CONTACT_NAME / _EMAIL). */
  console: z
    .object({ accessContact: z.object({ name: z.string().min(1), email: z.email().optional() }) })
    .optional(),
});
export type ClientConfig = z.infer<typeof ClientConfigSchema>;
