import { createHash, randomUUID } from 'node:crypto';

/** Microsoft's well-known first-party application ids and permission ids (reference A.1). */
export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
export const DYNAMICS_CRM_APP_ID = '00000007-0000-0000-c000-000000000000';
export const USER_IMPERSONATION_SCOPE_ID = '78ce3f0f-a1ce-49c2-8cde-64b5c0896db4';
export const GRAPH_RESOURCE = 'https://graph.microsoft.com';
export const GLOBAL_DISCOVERY_RESOURCE = 'https://globaldisco.crm.dynamics.com';

/** Graph delegated permission ids (Find-MgGraphPermission output) — the consent page and `scp` use the values. */
export const GRAPH_SCOPES = {
  'User.Read': 'e1fe6dd8-ba31-4d61-89e7-88639da4683d',
  'Application.Read.All': 'c79f8feb-a9db-4090-85f9-90d820caa0eb',
  'Application.ReadWrite.All': 'bdfbf15f-ee85-4955-8675-146e8e5296b5',
  'Directory.Read.All': '06da0dbc-49e2-44d2-8312-53f166ab848a',
  'RoleManagement.Read.Directory': '741c54c3-0c1e-44a1-818b-3f97ab4e8c83',
  'Organization.Read.All': '4908d5b9-3fb2-4b1e-9336-1888b7937185',
} as const;

/** Directory role template ids (stable across tenants). */
export const DIRECTORY_ROLES = {
  'Global Administrator': '62e90394-69f5-4237-9190-012177145e10',
  'Application Administrator': '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3',
  'Cloud Application Administrator': '158c047a-c907-4556-b7ef-446551a6b5f7',
  'Application Developer': 'cf1c38e5-3621-4004-a7cb-879624dced7c',
  'Privileged Role Administrator': 'e8611ab8-c189-46e8-94e1-60213ab1f814',
} as const;
export type DirectoryRoleName = keyof typeof DIRECTORY_ROLES;

/** Entra adds this template id to `wids` for every member user ("User" default role). */
export const DEFAULT_USER_ROLE_WID = 'b79fbf4d-3ef9-4689-8143-76b194e85509';

/** A stable GUID derived from a name, so seeded objects keep their ids across runs. */
export function stableGuid(name: string): string {
  const h = createHash('sha256').update(`kantiv-emulator:${name}`).digest('hex');
  const variant = ((parseInt(h[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function newGuid(): string {
  return randomUUID();
}

export function isGuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}
