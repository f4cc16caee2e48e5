/**
 * Names of Microsoft's own things the wizard's pages point the admin to. The names of what Kantiv Connect creates in
 * the tenant (app, secret, role) are `@kantiv/shared/naming`: the engine creates things by the same values.
 */
export const DYNAMICS_CRM_API_NAME = 'Dynamics CRM';
export const DYNAMICS_PERMISSION = 'user_impersonation';
export const ENTRA_ROLES = ['Cloud Application Administrator', 'Application Administrator'] as const;
export const DATAVERSE_ROLE = 'System Administrator';
