// The scopes the wizard asks for, without zod: the first wizard page words them (web/src/features/wizard/lib/
// sign-in-scopes.ts) and loads no zod. clouds.ts re-exports them.

/** A delegated Graph scope as a full resource URI of the configured Graph (`https://graph.microsoft.us/User.Read`). */
export const graphScope = (graphBaseUrl: string, permission: string): string =>
  `${graphBaseUrl.replace(/\/+$/, '')}/${permission}`;

/** The one delegated scope of Global Discovery (Dynamics CRM `user_impersonation`) of the configured cloud. */
export const discoveryScope = (discoveryBaseUrl: string): string =>
  `${discoveryBaseUrl.replace(/\/+$/, '')}/user_impersonation`;
