import { DIRECTORY_ROLES, stableGuid } from '../ids.ts';
import type { Runtime } from '../core.ts';
import type { Ctx, Reply } from '../http.ts';
import { hasPermission, type GraphCaller } from './auth.ts';
import { graphError, insufficientPrivileges } from './errors.ts';
import { collection, entity } from './query.ts';
import { organizationJson, userJson } from './serialize.ts';

const PROFILE_SCOPES = [
  'User.Read',
  'User.ReadWrite',
  'User.ReadBasic.All',
  'User.Read.All',
  'Directory.Read.All',
];

function meOnly(ctx: Ctx, caller: GraphCaller): Reply | null {
  if (!caller.user) {
    return graphError(
      ctx,
      400,
      'BadRequest',
      '/me request is only valid with delegated authentication flow.',
    );
  }
  return null;
}

export function getMe(ctx: Ctx, caller: GraphCaller): Reply {
  const bad = meOnly(ctx, caller);
  if (bad) return bad;
  if (!hasPermission(caller, PROFILE_SCOPES)) return insufficientPrivileges(ctx);
  return entity(ctx, 'users', userJson(caller.user!));
}

export function getOrganization(ctx: Ctx, caller: GraphCaller): Reply {
  if (!hasPermission(caller, [...PROFILE_SCOPES, 'Organization.Read.All']))
    return insufficientPrivileges(ctx);
  return collection(ctx, 'organization', 'Organization', [organizationJson(caller.tenant)], ['id']);
}

/** Scopes that may read directoryRole objects (Graph's "List directoryRoles"); others see them limited. */
const ROLE_READ_SCOPES = [
  'RoleManagement.Read.Directory',
  'RoleManagement.ReadWrite.Directory',
  'Directory.Read.All',
  'Directory.ReadWrite.All',
];
const GROUP_READ_SCOPES = ['GroupMember.Read.All', 'Group.Read.All', ...ROLE_READ_SCOPES];

/**
 * An object the caller may not read comes back with "limited information": its `@odata.type` and `id`, every other
 * property null (Graph's memberOf: "Limited information returned for inaccessible member objects").
 */
function limitedUnless(readable: boolean, obj: Record<string, unknown>): Record<string, unknown> {
  if (readable) return obj;
  return Object.fromEntries(
    Object.entries(obj).map(([k, v]) => [k, k === '@odata.type' || k === 'id' ? v : null]),
  );
}

/**
 * `/me/memberOf` and `/me/transitiveMemberOf` (and their `microsoft.graph.directoryRole` cast): the user's directory
 * roles as directoryRole objects. Roles held through a role-assignable group are transitive memberships: `memberOf`
 * lists the group instead.
 */
export function getMemberOf(
  rt: Runtime,
  ctx: Ctx,
  caller: GraphCaller,
  cast: boolean,
  transitive: boolean,
): Reply {
  const bad = meOnly(ctx, caller);
  if (bad) return bad;
  if (!hasPermission(caller, [...PROFILE_SCOPES, 'GroupMember.Read.All', 'RoleManagement.Read.Directory']))
    return insufficientPrivileges(ctx);
  const user = caller.user!;
  const throughGroup = rt.scenarios.has('directory-roles-through-group', rt.who(user));
  // A PIM role activated after the token's sign-in is not shown either (stricter reading, FIDELITY F7-3).
  const held = rt.tokenDirectoryRoles(user, caller.wids);
  const roleNames = throughGroup && !transitive ? [] : held;
  const roles = roleNames.map((name) => {
    const templateId = DIRECTORY_ROLES[name as keyof typeof DIRECTORY_ROLES];
    return limitedUnless(hasPermission(caller, ROLE_READ_SCOPES), {
      '@odata.type': '#microsoft.graph.directoryRole',
      id: stableGuid(`directoryRole:${caller.tenant.id}:${templateId}`),
      deletedDateTime: null,
      description: `Members of this role have the ${name} permissions.`,
      displayName: name,
      roleTemplateId: templateId,
    });
  });
  const groups =
    throughGroup && held.length > 0 && !cast
      ? [
          limitedUnless(hasPermission(caller, GROUP_READ_SCOPES), {
            '@odata.type': '#microsoft.graph.group',
            id: stableGuid(`group:${caller.tenant.id}:${user.id}:app-admins`),
            deletedDateTime: null,
            displayName: 'App administrators',
            isAssignableToRole: true,
            securityEnabled: true,
          }),
        ]
      : [];
  return collection(
    ctx,
    cast ? 'directoryRoles' : 'directoryObjects',
    'DirectoryObject',
    [...groups, ...roles],
    ['displayName', 'roleTemplateId', 'id'],
  );
}
