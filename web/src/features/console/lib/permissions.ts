import { StaffRoleSchema, type StaffRole } from '@kantiv/shared/auth';

/** What the signed-in staff member may do, from the app roles in their access token for our API. */
export type StaffAccess = {
  roles: StaffRole[];
  canRead: boolean;
  canManage: boolean;
};

export function accessFromRoles(claim: unknown): StaffAccess {
  const roles = Array.isArray(claim)
    ? claim.flatMap((r) => {
        const parsed = StaffRoleSchema.safeParse(r);
        return parsed.success ? [parsed.data] : [];
      })
    : [];
  const canManage = roles.includes('Connect.Manage');
  return { roles, canManage, canRead: canManage || roles.includes('Connect.Read') };
}

/**
 * Reads the `roles` claim of our API's access token. The browser only uses it to shape the UI; the server checks
 * the signature and the roles on every call.
 */
export function rolesFromAccessToken(accessToken: string): StaffAccess {
  const payload = accessToken.split('.')[1];
  if (!payload) return accessFromRoles(undefined);
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const json = new TextDecoder().decode(
      Uint8Array.from(atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, '=')), (c) => c.charCodeAt(0)),
    );
    const claims = JSON.parse(json) as { roles?: unknown };
    return accessFromRoles(claims.roles);
  } catch {
    return accessFromRoles(undefined);
  }
}

/** Shown beside every disabled action for read-only staff. */
export const READ_ONLY_REASON =
  'You have read-only access (Connect.Read). Ask a Kantiv Connect administrator for the Connect.Manage role to make changes.';
