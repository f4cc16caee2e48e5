/** Entra directory role template ids (the same in every tenant). */
export const DIRECTORY_ROLE_TEMPLATES: Record<string, string> = {
  '62e90394-69f5-4237-9190-012177145e10': 'Global Administrator',
  '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3': 'Application Administrator',
  '158c047a-c907-4556-b7ef-446551a6b5f7': 'Cloud Application Administrator',
  'cf1c38e5-3621-4004-a7cb-879624dced7c': 'Application Developer',
};

/** Roles that may create app registrations and service principals for any app, and grant admin consent. */
export const APP_MANAGER_ROLES = new Set([
  'Global Administrator',
  'Application Administrator',
  'Cloud Application Administrator',
]);
