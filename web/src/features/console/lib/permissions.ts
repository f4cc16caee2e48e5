/** What the signed-in staff member may do, from the app roles in their access token for our API. */
export type StaffAccess = {
  /** The token's role values that grant console access, as configured on the server. */
  roles: string[];
  canRead: boolean;
  canManage: boolean;
};

/** Which token role values grant Connect.Manage and Connect.Read: the server's configuration (client config). */
export type RoleNames = { manageRoles: readonly string[]; readRoles: readonly string[] };

export const DEFAULT_ROLE_NAMES: RoleNames = { manageRoles: ['Connect.Manage'], readRoles: ['Connect.Read'] };

export function accessFromRoles(claim: unknown, names: RoleNames = DEFAULT_ROLE_NAMES): StaffAccess {
  const claimed = Array.isArray(claim) ? claim.filter((r): r is string => typeof r === 'string') : [];
  const roles = claimed.filter((r) => names.manageRoles.includes(r) || names.readRoles.includes(r));
  const canManage = roles.some((r) => names.manageRoles.includes(r));
  return { roles, canManage, canRead: canManage || roles.some((r) => names.readRoles.includes(r)) };
}

/**
 * Reads the `roles` claim of our API's access token. The browser only uses it to shape the UI; the server checks
 * the signature and the roles on every call.
 */
export function rolesFromAccessToken(
  accessToken: string,
  names: RoleNames = DEFAULT_ROLE_NAMES,
): StaffAccess {
  const payload = accessToken.split('.')[1];
  if (!payload) return accessFromRoles(undefined, names);
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const json = new TextDecoder().decode(
      Uint8Array.from(atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, '=')), (c) => c.charCodeAt(0)),
    );
    const claims = JSON.parse(json) as { roles?: unknown };
    return accessFromRoles(claims.roles, names);
  } catch {
    return accessFromRoles(undefined, names);
  }
}

/** Whom read-only staff ask for the manage role (the server's CONSOLE_ACCESS_CONTACT_*). */
export type AccessContact = { name: string; email?: string | undefined };

export const DEFAULT_ACCESS_CONTACT: AccessContact = { name: 'a Kantiv Connect administrator' };

/** The one banner read-only staff see: why every form and action is disabled, and whom to ask. */
export function readOnlyReason(contact: AccessContact = DEFAULT_ACCESS_CONTACT): string {
  const who = contact.email ? `${contact.name} (${contact.email})` : contact.name;
  return `You have read-only access (Connect.Read): forms and actions are disabled. Ask ${who} for the Connect.Manage role to make changes.`;
}

/** Each disabled action's own description for screen readers; the banner above says whom to ask. */
export const READ_ONLY_ACTION = 'Read-only access: you cannot do this.';
