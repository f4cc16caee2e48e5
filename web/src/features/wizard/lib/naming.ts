/**
 * Names of Microsoft's own things the wizard's pages point the admin to, as Microsoft's documentation and APIs spell
 * them: pages show them as they are (`translate="no"`), in every language. The names of what Kantiv Connect creates
 * in the tenant (app, secret, role) are `@kantiv/shared/naming`: the engine creates things by the same values.
 */
export const DYNAMICS_CRM_API_NAME = 'Dynamics CRM';
export const DYNAMICS_PERMISSION = 'user_impersonation';
export const ENTRA_ROLES = ['Cloud Application Administrator', 'Application Administrator'] as const;
export const DATAVERSE_ROLE = 'System Administrator';

/** The Entra roles by name, as interpolation values of the catalogs' sentences. */
export const ENTRA_ROLE_NAMES = {
  cloudAppAdmin: 'Cloud Application Administrator',
  appAdmin: 'Application Administrator',
  privRoleAdmin: 'Privileged Role Administrator',
  globalAdmin: 'Global Administrator',
  sysAdmin: DATAVERSE_ROLE,
} as const;
