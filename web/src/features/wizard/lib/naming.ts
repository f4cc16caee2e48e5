/**
 * Names of what Kantiv Connect creates in the customer's tenant, shown in the welcome page, the plan and the manual
 * path. The engine uses the same values, so what the admin reads is what they get.
 */
export const APP_DISPLAY_NAME = 'Kantiv Dataverse Connector';
export const SECRET_DESCRIPTION = 'Kantiv secret';
export const DYNAMICS_CRM_API_NAME = 'Dynamics CRM';
export const DYNAMICS_PERMISSION = 'user_impersonation';
export const ENTRA_ROLES = ['Cloud Application Administrator', 'Application Administrator'] as const;
export const DATAVERSE_ROLE = 'System Administrator';
