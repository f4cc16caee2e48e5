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

/** `/me/memberOf` (and the `microsoft.graph.directoryRole` cast): the user's directory roles as directoryRole objects. */
export function getMemberOf(rt: Runtime, ctx: Ctx, caller: GraphCaller, cast: boolean): Reply {
  const bad = meOnly(ctx, caller);
  if (bad) return bad;
  if (!hasPermission(caller, [...PROFILE_SCOPES, 'GroupMember.Read.All', 'RoleManagement.Read.Directory']))
    return insufficientPrivileges(ctx);
  const roles = rt.directoryRoles(caller.user!).map((name) => {
    const templateId = DIRECTORY_ROLES[name as keyof typeof DIRECTORY_ROLES];
    return {
      '@odata.type': '#microsoft.graph.directoryRole',
      id: stableGuid(`directoryRole:${caller.tenant.id}:${templateId}`),
      deletedDateTime: null,
      description: `Members of this role have the ${name} permissions.`,
      displayName: name,
      roleTemplateId: templateId,
    };
  });
  return collection(ctx, cast ? 'directoryRoles' : 'directoryObjects', 'DirectoryObject', roles, [
    'displayName',
    'roleTemplateId',
    'id',
  ]);
}
