/** Application users and their role assignments. */
import { randomUUID } from 'node:crypto';
import type { Runtime } from '../core.ts';
import { json, noContent, type Ctx, type Reply } from '../http.ts';
import type { Environment, SystemUser } from '../state.ts';
import { dvError, isSysAdmin, missingPrivilege, privilegeDepth, type DvCaller } from './access.ts';
import { roleJson, systemUserJson } from './serialize.ts';
import { tableBySet } from './tables.ts';
import {
  GUID,
  badRequest,
  base,
  bindId,
  body,
  created,
  createBody,
  notExist,
  query,
  require,
} from './web-api.ts';

/** Whether Dataverse can resolve an application id in the environment's tenant (app + service principal, replicated). */
function appKnownToDataverse(rt: Runtime, env: Environment, appId: string): boolean {
  const app = rt.applicationByAppId(appId);
  const sp = rt.servicePrincipal(env.tenantId, appId);
  if (!app || !sp) return false;
  if (app.tenantId !== env.tenantId && app.signInAudience === 'AzureADMyOrg') return false;
  return rt.isReplicated(app) && rt.isReplicated(sp);
}

export function createSystemUser(
  rt: Runtime,
  ctx: Ctx,
  caller: DvCaller,
  env: Environment,
  version: string,
): Reply {
  const parsed = createBody(rt, ctx, caller, tableBySet('systemusers')!);
  if (!('value' in parsed)) return parsed;
  const b = parsed.value;
  const appId = typeof b.applicationid === 'string' ? b.applicationid.toLowerCase() : null;
  const buId = bindId(b['businessunitid@odata.bind'], 'businessunits');
  if (!buId) return badRequest("Attribute 'businessunitid' cannot be NULL", '0x80040200');
  if (!env.businessUnits.some((x) => x.businessunitid === buId)) return notExist('businessunit', buId);
  if (!appId) {
    return badRequest(
      'Creating interactive users through the Web API is not supported by this emulator; send applicationid to create an application user.',
      '0x80040203',
    );
  }
  if (b.accessmode !== undefined && b.accessmode !== 4) {
    return badRequest('An application user must have access mode Non-interactive (4).', '0x80040203');
  }
  const required = rt.scenarios
    .find('application-user-requires-field', rt.who(undefined, env.tenantId))
    .at(-1);
  if (required && (b[required.field] === undefined || b[required.field] === null)) {
    return badRequest(`Attribute '${required.field}' cannot be NULL`, '0x80040200');
  }
  if (!appKnownToDataverse(rt, env, appId)) {
    return dvError(
      400,
      '0x8004f510',
      `We didn't find that application ID ${appId} in your Azure Active Directory (Azure AD) with CorrelationID ${randomUUID()}. Make sure your application is registered in Azure AD.`,
    );
  }
  if (env.systemUsers.some((s) => s.applicationid === appId)) {
    return dvError(
      412,
      '0x80040237',
      `A record with matching key values already exists. An application user for application ID ${appId} already exists in this environment.`,
    );
  }
  const app = rt.applicationByAppId(appId);
  const sp = rt.servicePrincipal(env.tenantId, appId);
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const su: SystemUser = {
    systemuserid: randomUUID(),
    azureactivedirectoryobjectid: sp?.id ?? '',
    applicationid: appId,
    fullname: `# ${app?.displayName ?? appId}`,
    domainname: `${appId}@${rt.tenantById(env.tenantId)?.domains[0] ?? 'unknown'}`,
    internalemailaddress: `${appId}@${rt.tenantById(env.tenantId)?.domains[0] ?? 'unknown'}`,
    businessunitid: buId,
    isdisabled: false,
    accessmode: 4,
    roleIds: [],
    createdon: now,
  };
  env.systemUsers.push(su);
  return created(ctx, env, version, 'systemusers', su.systemuserid, systemUserJson(su));
}

export function roleAssociation(
  rt: Runtime,
  ctx: Ctx,
  caller: DvCaller,
  env: Environment,
  version: string,
  userId: string,
  roleIdInPath: string | undefined,
  isRef: boolean,
): Reply {
  const su = env.systemUsers.find((s) => s.systemuserid === userId);
  if (!su) return notExist('systemuser', userId);
  if (ctx.method === 'GET' && !isRef) {
    const need = require(rt, caller, 'Read', tableBySet('roles')!);
    if ('status' in need) return need;
    // The `admin-not-system-administrator` scenario hides System Administrator from the user's own role list too.
    const person = rt.user(su.azureactivedirectoryobjectid);
    const strip = person !== undefined && rt.scenarios.has('admin-not-system-administrator', rt.who(person));
    return query(
      ctx,
      env,
      version,
      'roles',
      env.roles
        .filter((r) => su.roleIds.includes(r.roleid) && !(strip && r.allPrivileges))
        .map((r) => roleJson(env, r)),
      'role',
    );
  }
  if (!isRef) return dvError(405, '0x80060888', 'Method not allowed.');
  if (ctx.method === 'GET') {
    return json(200, {
      '@odata.context': `${base(env, version)}/$metadata#Collection($ref)`,
      value: su.roleIds.map((id) => ({ '@odata.id': `${base(env, version)}/roles(${id})` })),
    });
  }
  // Assigning or removing roles needs the Assign Role privilege; only System Administrators hold it in seeds.
  if (!isSysAdmin(rt, caller) && !privilegeDepth(rt, caller, 'prvAssignRole')) {
    return missingPrivilege(rt, caller, 'prvAssignRole', 1036, 'role');
  }
  if (ctx.method === 'POST') {
    const parsed = body(ctx);
    if (!('value' in parsed)) return parsed;
    const b = parsed.value;
    const roleId = bindId(b['@odata.id'], 'roles');
    if (!roleId) return badRequest("The '@odata.id' of the reference is missing or invalid.", '0x80048d19');
    const role = env.roles.find((r) => r.roleid === roleId);
    if (!role) return notExist('role', roleId);
    if (role.businessunitid !== su.businessunitid) {
      return dvError(
        400,
        '0x80040375',
        `The role ${role.roleid} does not belong to the business unit of user ${su.systemuserid}. A user can only be assigned roles from their own business unit.`,
      );
    }
    if (!su.roleIds.includes(roleId)) {
      su.roleIds.push(roleId);
      su.roleAssignedAt = { ...su.roleAssignedAt, [roleId]: rt.now() };
    }
    return noContent({ 'odata-version': '4.0' });
  }
  if (ctx.method === 'DELETE') {
    const roleId = roleIdInPath ?? bindId(ctx.url.searchParams.get('$id'), 'roles');
    if (!roleId)
      return badRequest(
        "The '$id' query option is required to delete a collection-valued reference.",
        '0x80048d19',
      );
    if (!su.roleIds.includes(roleId)) return notExist('role', roleId);
    su.roleIds = su.roleIds.filter((r) => r !== roleId);
    return noContent({ 'odata-version': '4.0' });
  }
  return dvError(405, '0x80060888', 'Method not allowed.');
}

/** `systemusers(<id>)/teammembership_association` and `teams(<id>)/teamroles_association` (GET). */
export function teamRoute(
  rt: Runtime,
  ctx: Ctx,
  caller: DvCaller,
  env: Environment,
  version: string,
  rest: string,
): Reply | null {
  const member = new RegExp(`^/systemusers\\((${GUID})\\)/teammembership_association$`).exec(rest);
  const teamRoles = new RegExp(`^/teams\\((${GUID})\\)/teamroles_association$`).exec(rest);
  if (!member && !teamRoles) return null;
  if (ctx.method !== 'GET') return dvError(405, '0x80060888', 'Method not allowed.');
  const teams = env.teams ?? [];
  if (member) {
    const su = env.systemUsers.find((s) => s.systemuserid === member[1]?.toLowerCase());
    if (!su) return notExist('systemuser', member[1] ?? '');
    const rows = teams
      .filter((t) => t.memberIds.includes(su.systemuserid))
      .map((t) => ({ teamid: t.teamid, name: t.name, _businessunitid_value: t.businessunitid }));
    return query(ctx, env, version, 'teams', rows, 'team');
  }
  const team = teams.find((t) => t.teamid === teamRoles?.[1]?.toLowerCase());
  if (!team) return notExist('team', teamRoles?.[1] ?? '');
  const need = require(rt, caller, 'Read', tableBySet('roles')!);
  if ('status' in need) return need;
  const rows = env.roles.filter((r) => team.roleIds.includes(r.roleid)).map((r) => roleJson(env, r));
  return query(ctx, env, version, 'roles', rows, 'role');
}
