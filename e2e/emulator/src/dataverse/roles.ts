/** Security roles: create (copied to child business units), delete, privileges. */
import { randomUUID } from 'node:crypto';
import type { Runtime } from '../core.ts';
import { json, noContent, type Ctx, type Reply } from '../http.ts';
import type { Environment, PrivilegeDepth, SecurityRole } from '../state.ts';
import { depthRank, dvError, effectiveRoles, privilegeDepth, type DvCaller } from './access.ts';
import { defaultRolePrivileges } from './role-defaults.ts';
import { roleInUse } from './user-removal.ts';
import { roleJson } from './serialize.ts';
import { tableBySet } from './tables.ts';
import { stableGuid } from '../ids.ts';
import { DEPTHS, badRequest, base, bindId, body, created, createBody, notExist, require } from './web-api.ts';

export function createRole(
  rt: Runtime,
  ctx: Ctx,
  caller: DvCaller,
  env: Environment,
  version: string,
): Reply {
  const parsed = createBody(rt, ctx, caller, tableBySet('roles')!);
  if (!('value' in parsed)) return parsed;
  const b = parsed.value;
  if (typeof b.name !== 'string' || b.name.trim() === '')
    return badRequest("Attribute 'name' cannot be NULL", '0x80040200');
  const buId =
    bindId(b['businessunitid@odata.bind'], 'businessunits') ??
    env.businessUnits.find((x) => x.parentbusinessunitid === null)?.businessunitid ??
    '';
  if (!env.businessUnits.some((x) => x.businessunitid === buId)) return notExist('businessunit', buId);
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  // Dataverse copies a role created in a business unit to every child unit (same name, own roleid).
  const root: SecurityRole = {
    roleid: randomUUID(),
    name: b.name,
    businessunitid: buId,
    ismanaged: false,
    allPrivileges: false,
    // A new role is never empty: Dataverse adds its default privileges (role-defaults.ts).
    privileges: defaultRolePrivileges(),
    createdon: now,
  };
  env.roles.push(root);
  for (const child of env.businessUnits.filter((x) => x.parentbusinessunitid === buId)) {
    env.roles.push({
      ...root,
      roleid: randomUUID(),
      businessunitid: child.businessunitid,
      privileges: defaultRolePrivileges(),
    });
  }
  return created(ctx, env, version, 'roles', root.roleid, roleJson(env, root));
}

export function addPrivileges(
  rt: Runtime,
  ctx: Ctx,
  caller: DvCaller,
  env: Environment,
  roleId: string,
  replace: boolean,
): Reply {
  const need = require(rt, caller, 'Write', tableBySet('roles')!);
  if ('status' in need) return need;
  const role = env.roles.find((r) => r.roleid === roleId);
  if (!role) return notExist('role', roleId);
  const parsed = body(ctx);
  if (!('value' in parsed)) return parsed;
  const b = parsed.value;
  const list = b.Privileges;
  if (!Array.isArray(list))
    return badRequest("Parameter 'Privileges' must be a collection of RolePrivilege.", '0x80048d19');
  const updates: Record<string, PrivilegeDepth> = {};
  for (const raw of list as Record<string, unknown>[]) {
    const pid = typeof raw.PrivilegeId === 'string' ? raw.PrivilegeId.toLowerCase() : '';
    const priv = rt.world.privileges.find((p) => p.privilegeid === pid);
    if (!priv) return notExist('privilege', pid);
    const d = raw.Depth;
    const depth: PrivilegeDepth | undefined =
      typeof d === 'number' || /^\d$/.test(String(d)) ? DEPTHS[Number(d)] : DEPTHS.find((x) => x === d);
    // RecordFilter needs a record filter made in the admin center; a write that names none is refused (stricter reading).
    if (!depth || depth === 'RecordFilter')
      return badRequest(`Invalid PrivilegeDepth value '${String(d)}'.`, '0x80048d19');
    // A caller cannot hand out a privilege deeper than it holds itself.
    const own = privilegeDepth(rt, caller, priv.name);
    if (!own || depthRank(own) < depthRank(depth)) {
      return dvError(
        403,
        '0x80040220',
        `Principal user (Id=${caller.systemUser.systemuserid}) is missing ${priv.name} privilege at depth ${depth} and cannot grant it to a role.`,
      );
    }
    updates[pid] = depth;
  }
  const targets = env.roles
    .filter((r) => r.name === role.name && r.businessunitid !== role.businessunitid && !r.allPrivileges)
    .concat(role);
  const defaults = new Set(Object.keys(defaultRolePrivileges()));
  for (const r of targets) {
    // ReplacePrivilegesRole keeps the default privileges a role holds (stricter reading of the audit, issue 15 item 4).
    if (replace)
      r.privileges = Object.fromEntries(Object.entries(r.privileges).filter(([id]) => defaults.has(id)));
    Object.assign(r.privileges, updates);
  }
  return noContent({ 'odata-version': '4.0' });
}

/** Deleting a role removes its copies in child business units; a role someone holds is refused (D18-3). */
export function deleteRole(rt: Runtime, caller: DvCaller, env: Environment, roleId: string): Reply {
  const need = require(rt, caller, 'Delete', tableBySet('roles')!);
  if ('status' in need) return need;
  const role = env.roles.find((r) => r.roleid === roleId);
  if (!role) return notExist('role', roleId);
  if (role.ismanaged) {
    return dvError(400, '0x8004f01c', 'The role cannot be deleted because it is a managed (system) role.');
  }
  const doomed = new Set(
    env.roles
      .filter(
        (r) =>
          r === role ||
          (r.name === role.name && !r.ismanaged && childOf(env, r.businessunitid, role.businessunitid)),
      )
      .map((r) => r.roleid),
  );
  const inUse = roleInUse(env, doomed);
  if (inUse) return inUse;
  env.roles = env.roles.filter((r) => !doomed.has(r.roleid));
  return noContent({ 'odata-version': '4.0' });
}

function childOf(env: Environment, buId: string, ancestorId: string): boolean {
  let cur = env.businessUnits.find((b) => b.businessunitid === buId);
  while (cur?.parentbusinessunitid) {
    if (cur.parentbusinessunitid === ancestorId) return true;
    const parent = cur.parentbusinessunitid;
    cur = env.businessUnits.find((b) => b.businessunitid === parent);
  }
  return false;
}

export function retrieveRolePrivileges(
  rt: Runtime,
  caller: DvCaller,
  env: Environment,
  version: string,
  roleId: string,
): Reply {
  const need = require(rt, caller, 'Read', tableBySet('roles')!);
  if ('status' in need) return need;
  const role = env.roles.find((r) => r.roleid === roleId);
  if (!role) return notExist('role', roleId);
  const entries = role.allPrivileges
    ? rt.world.privileges.map((p) => [p.privilegeid, 'Global'] as const)
    : Object.entries(role.privileges);
  return json(
    200,
    {
      '@odata.context': `${base(env, version)}/$metadata#Microsoft.Dynamics.CRM.RetrieveRolePrivilegesRoleResponse`,
      RolePrivileges: entries.map(([pid, depth]) => ({
        Depth: depth,
        PrivilegeId: pid,
        BusinessUnitId: role.businessunitid,
        PrivilegeName: rt.world.privileges.find((p) => p.privilegeid === pid)?.name ?? '',
        RecordFilterId:
          depth === 'RecordFilter'
            ? stableGuid(`recordfilter:${role.roleid}:${pid}`)
            : '00000000-0000-0000-0000-000000000000',
        RecordFilterUniqueName: depth === 'RecordFilter' ? 'contoso_ownaccountsonly' : null,
      })),
    },
    { 'odata-version': '4.0' },
  );
}

/**
 * `GET systemusers({id})/Microsoft.Dynamics.CRM.RetrieveUserPrivileges()`: the privileges a user holds through their
 * roles (own and their teams'), each at its deepest depth (FIDELITY H18-13). The caller needs Read on systemuser
 * (stricter reading: the privilege Microsoft checks is not documented).
 */
export function retrieveUserPrivileges(
  rt: Runtime,
  caller: DvCaller,
  env: Environment,
  version: string,
  userId: string,
): Reply {
  const need = require(rt, caller, 'Read', tableBySet('systemusers')!);
  if ('status' in need) return need;
  const su = env.systemUsers.find((u) => u.systemuserid === userId);
  if (!su) return notExist('systemuser', userId);
  const held = new Map<string, PrivilegeDepth>();
  for (const role of effectiveRoles(rt, { env, systemUser: su, appId: su.applicationid })) {
    const entries = role.allPrivileges
      ? rt.world.privileges.map((p) => [p.privilegeid, 'Global'] as const)
      : Object.entries(role.privileges);
    for (const [pid, depth] of entries) {
      const before = held.get(pid);
      if (!before || depthRank(depth) > depthRank(before)) held.set(pid, depth);
    }
  }
  return json(
    200,
    {
      '@odata.context': `${base(env, version)}/$metadata#Microsoft.Dynamics.CRM.RetrieveUserPrivilegesResponse`,
      RolePrivileges: [...held].map(([pid, depth]) => ({
        Depth: depth,
        PrivilegeId: pid,
        BusinessUnitId: su.businessunitid,
        PrivilegeName: rt.world.privileges.find((p) => p.privilegeid === pid)?.name ?? '',
        RecordFilterId: '00000000-0000-0000-0000-000000000000',
        RecordFilterUniqueName: null,
      })),
    },
    { 'odata-version': '4.0' },
  );
}
