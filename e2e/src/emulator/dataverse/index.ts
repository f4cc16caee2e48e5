import { randomUUID } from 'node:crypto';
import type { Runtime } from '../core.ts';
import { header, json, noContent, readJson, INVALID_JSON, type Ctx, type Reply } from '../http.ts';
import { FilterError, evaluate, parseFilter, selectFields } from '../odata.ts';
import type { Environment, PrivilegeDepth, SecurityRole, SystemUser, TableRow } from '../state.ts';
import {
  authenticate,
  depthRank,
  dvError,
  isSysAdmin,
  missingPrivilege,
  privilegeDepth,
  type DvCaller,
} from './access.ts';
import { businessUnitJson, privilegeJson, roleJson, systemUserJson } from './serialize.ts';
import { tableBySet, type TableInfo } from './tables.ts';

const GUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
const DEPTHS: PrivilegeDepth[] = ['Basic', 'Local', 'Deep', 'Global'];

function base(env: Environment, version: string): string {
  return `${env.apiUrl}/api/data/${version}`;
}

function notExist(entity: string, id: string): Reply {
  return dvError(404, '0x80040217', `${entity} With Id = ${id} Does Not Exist`);
}

function badRequest(message: string, code = '0x80048d19'): Reply {
  return dvError(400, code, message);
}

/** The privilege that guards an operation on a table (`prvReadAccount`, `prvCreateUser`, …). */
function require(
  rt: Runtime,
  caller: DvCaller,
  access: string,
  table: TableInfo,
): { depth: PrivilegeDepth } | Reply {
  const name = `prv${access}${table.privilegeName}`;
  const depth = privilegeDepth(rt, caller, name);
  if (!depth) return missingPrivilege(rt, caller, name, table.objectTypeCode, table.logicalName);
  return { depth };
}

function rowsOf(rt: Runtime, env: Environment, table: TableInfo): TableRow[] {
  switch (table.logicalName) {
    case 'systemuser':
      return env.systemUsers.map(systemUserJson);
    case 'role':
      return env.roles.map((r) => roleJson(env, r));
    case 'businessunit':
      return env.businessUnits.map(businessUnitJson);
    default:
      return env.tables[table.logicalName] ?? [];
  }
}

/** Rows visible at the caller's read depth: Basic = owned by the caller, Local/Deep = caller's business unit. */
function visibleRows(
  caller: DvCaller,
  table: TableInfo,
  rows: TableRow[],
  depth: PrivilegeDepth,
): TableRow[] {
  if (!table.userOwned || depth === 'Global') return rows;
  if (depth === 'Basic') return rows.filter((r) => r._ownerid_value === caller.systemUser.systemuserid);
  return rows.filter((r) => r._owningbusinessunit_value === caller.systemUser.businessunitid);
}

function query(
  ctx: Ctx,
  env: Environment,
  version: string,
  setName: string,
  rows: TableRow[],
  entityType: string,
): Reply {
  const q = ctx.url.searchParams;
  let out = rows;
  const filter = q.get('$filter');
  if (filter) {
    try {
      const expr = parseFilter(filter);
      out = out.filter((r) => evaluate(expr, r, { caseSensitive: false }));
    } catch (e) {
      if (e instanceof FilterError)
        return badRequest(`Syntax error at position 0 in '${filter}'. ${e.message}`, '0x80060888');
      throw e;
    }
  }
  const select = q.get('$select');
  if (select) {
    const known = new Set(rows.flatMap((r) => Object.keys(r)));
    const bad = select
      .split(',')
      .map((s) => s.trim())
      .find((s) => known.size > 0 && !known.has(s));
    if (bad)
      return badRequest(
        `Could not find a property named '${bad}' on type 'Microsoft.Dynamics.CRM.${entityType}'.`,
        '0x80060888',
      );
  }
  const top = q.get('$top');
  if (top) out = out.slice(0, Number(top));
  const prefer = header(ctx, 'prefer') ?? '';
  const max = /odata\.maxpagesize=(\d+)/.exec(prefer);
  if (max) out = out.slice(0, Number(max[1]));
  const value = out.map((r) => selectFields(r, select, ['@odata.etag']));
  return json(
    200,
    { '@odata.context': `${base(env, version)}/$metadata#${setName}${select ? `(${select})` : ''}`, value },
    { 'odata-version': '4.0' },
  );
}

function entityOne(ctx: Ctx, env: Environment, version: string, setName: string, row: TableRow): Reply {
  const select = ctx.url.searchParams.get('$select');
  return json(
    200,
    {
      '@odata.context': `${base(env, version)}/$metadata#${setName}${select ? `(${select})` : ''}/$entity`,
      ...selectFields(row, select, ['@odata.etag']),
    },
    { 'odata-version': '4.0' },
  );
}

function body(ctx: Ctx): { value: Record<string, unknown> } | Reply {
  const b = readJson(ctx);
  if (b === INVALID_JSON || typeof b !== 'object' || b === null || Array.isArray(b)) {
    return badRequest('The request body is not valid JSON or is empty.', '0x80048d19');
  }
  return { value: b as Record<string, unknown> };
}

function bindId(value: unknown, set: string): string | null {
  if (typeof value !== 'string') return null;
  const m = new RegExp(`(?:^|/)${set}\\((${GUID})\\)$`).exec(value);
  return m?.[1]?.toLowerCase() ?? null;
}

function created(ctx: Ctx, env: Environment, version: string, set: string, id: string, row: TableRow): Reply {
  const entityId = `${base(env, version)}/${set}(${id})`;
  const prefer = (header(ctx, 'prefer') ?? '').toLowerCase();
  if (prefer.includes('return=representation')) {
    return json(
      201,
      { '@odata.context': `${base(env, version)}/$metadata#${set}/$entity`, ...row },
      {
        'odata-version': '4.0',
        'odata-entityid': entityId,
        'preference-applied': 'return=representation',
        location: entityId,
      },
    );
  }
  return noContent({ 'odata-version': '4.0', 'odata-entityid': entityId, location: entityId });
}

export async function dataverse(rt: Runtime, ctx: Ctx, env: Environment): Promise<Reply> {
  const path = decodeURIComponent(ctx.url.pathname);
  const m = /^\/api\/data\/(v9\.[0-2])(\/.*)?$/.exec(path);
  if (!m)
    return dvError(404, '0x80060888', `Resource not found for the segment '${path.split('/')[1] ?? ''}'.`);
  const version = m[1] ?? 'v9.2';
  const rest = m[2] ?? '/';
  const caller = await authenticate(rt, ctx, env);
  if ('status' in caller) return caller;
  const method = ctx.method;

  if (/^\/WhoAmI(\(\))?$/i.test(rest) && method === 'GET') {
    return json(
      200,
      {
        '@odata.context': `${base(env, version)}/$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse`,
        BusinessUnitId: caller.systemUser.businessunitid,
        UserId: caller.systemUser.systemuserid,
        OrganizationId: env.id,
      },
      { 'odata-version': '4.0' },
    );
  }

  const rrp = new RegExp(`^/RetrieveRolePrivilegesRole\\(RoleId=(?:(${GUID})|@(\\w+))\\)$`).exec(rest);
  if (rrp && method === 'GET') {
    const id = (rrp[1] ?? ctx.url.searchParams.get(`@${rrp[2] ?? ''}`) ?? '')
      .replace(/[{}]/g, '')
      .toLowerCase();
    return retrieveRolePrivileges(rt, caller, env, version, id);
  }

  const addPriv = new RegExp(
    `^/roles\\((${GUID})\\)/Microsoft\\.Dynamics\\.CRM\\.(AddPrivilegesRole|ReplacePrivilegesRole)$`,
  ).exec(rest);
  if (addPriv && method === 'POST')
    return addPrivileges(
      rt,
      ctx,
      caller,
      env,
      (addPriv[1] ?? '').toLowerCase(),
      addPriv[2] === 'ReplacePrivilegesRole',
    );

  const rolePrivs = new RegExp(`^/roles\\((${GUID})\\)/roleprivileges_association$`).exec(rest);
  if (rolePrivs && method === 'GET') {
    const role = env.roles.find((r) => r.roleid === rolePrivs[1]?.toLowerCase());
    if (!role) return notExist('role', rolePrivs[1] ?? '');
    const ids = role.allPrivileges
      ? rt.world.privileges.map((p) => p.privilegeid)
      : Object.keys(role.privileges);
    return query(
      ctx,
      env,
      version,
      'privileges',
      rt.world.privileges.filter((p) => ids.includes(p.privilegeid)).map(privilegeJson),
      'privilege',
    );
  }

  const assoc = new RegExp(
    `^/systemusers\\((${GUID})\\)/systemuserroles_association(?:\\((${GUID})\\))?(/\\$ref)?$`,
  ).exec(rest);
  if (assoc)
    return roleAssociation(
      rt,
      ctx,
      caller,
      env,
      version,
      (assoc[1] ?? '').toLowerCase(),
      assoc[2]?.toLowerCase(),
      Boolean(assoc[3]),
    );

  const set = new RegExp(`^/(\\w+)(?:\\((${GUID})\\))?$`).exec(rest);
  if (set) {
    const [, setName = '', id] = set;
    if (setName === 'privileges') {
      if (method !== 'GET') return dvError(405, '0x80060888', 'Method not allowed.');
      const rows = rt.world.privileges.map(privilegeJson);
      if (id) {
        const row = rows.find((r) => r.privilegeid === id.toLowerCase());
        return row ? entityOne(ctx, env, version, setName, row) : notExist('privilege', id);
      }
      return query(ctx, env, version, setName, rows, 'privilege');
    }
    const table = tableBySet(setName);
    if (!table) return dvError(404, '0x80060888', `Resource not found for the segment '${setName}'.`);
    if (method === 'GET') {
      const need = require(rt, caller, 'Read', table);
      if ('status' in need) return need;
      const rows = visibleRows(caller, table, rowsOf(rt, env, table), need.depth);
      if (id) {
        const row = rows.find((r) => r[table.primaryId] === id.toLowerCase());
        return row ? entityOne(ctx, env, version, setName, row) : notExist(table.logicalName, id);
      }
      return query(ctx, env, version, setName, rows, table.logicalName);
    }
    if (method === 'POST' && !id) {
      if (table.logicalName === 'role') return createRole(rt, ctx, caller, env, version);
      if (table.logicalName === 'systemuser') return createSystemUser(rt, ctx, caller, env, version);
      return createRow(rt, ctx, caller, env, version, table);
    }
    if (method === 'DELETE' && id && table.logicalName === 'role')
      return deleteRole(rt, caller, env, id.toLowerCase());
    return dvError(
      405,
      '0x80060888',
      `The HTTP method '${method}' is not supported for '${setName}' in this emulator.`,
    );
  }
  return dvError(404, '0x80060888', `Resource not found for the segment '${rest.split('/')[1] ?? ''}'.`);
}

function createRow(
  rt: Runtime,
  ctx: Ctx,
  caller: DvCaller,
  env: Environment,
  version: string,
  table: TableInfo,
): Reply {
  const need = require(rt, caller, 'Create', table);
  if ('status' in need) return need;
  const parsed = body(ctx);
  if (!('value' in parsed)) return parsed;
  const b = parsed.value;
  const id = randomUUID();
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const row: TableRow = {
    ...b,
    [table.primaryId]: id,
    _ownerid_value: caller.systemUser.systemuserid,
    _owningbusinessunit_value: caller.systemUser.businessunitid,
    createdon: now,
    modifiedon: now,
    statecode: 0,
  };
  (env.tables[table.logicalName] ??= []).push(row);
  return created(ctx, env, version, table.entitySet, id, row);
}

function createRole(rt: Runtime, ctx: Ctx, caller: DvCaller, env: Environment, version: string): Reply {
  const need = require(rt, caller, 'Create', tableBySet('roles')!);
  if ('status' in need) return need;
  const parsed = body(ctx);
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
    privileges: {},
    createdon: now,
  };
  env.roles.push(root);
  for (const child of env.businessUnits.filter((x) => x.parentbusinessunitid === buId)) {
    env.roles.push({ ...root, roleid: randomUUID(), businessunitid: child.businessunitid, privileges: {} });
  }
  return created(ctx, env, version, 'roles', root.roleid, roleJson(env, root));
}

function addPrivileges(
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
    if (!depth) return badRequest(`Invalid PrivilegeDepth value '${String(d)}'.`, '0x80048d19');
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
  for (const r of targets) {
    if (replace) r.privileges = {};
    Object.assign(r.privileges, updates);
  }
  return noContent({ 'odata-version': '4.0' });
}

/** Deleting a role removes its copies in child business units and every assignment of them. */
function deleteRole(rt: Runtime, caller: DvCaller, env: Environment, roleId: string): Reply {
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
  env.roles = env.roles.filter((r) => !doomed.has(r.roleid));
  for (const su of env.systemUsers) su.roleIds = su.roleIds.filter((id) => !doomed.has(id));
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

function retrieveRolePrivileges(
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
        RecordFilterId: '00000000-0000-0000-0000-000000000000',
        RecordFilterUniqueName: null,
      })),
    },
    { 'odata-version': '4.0' },
  );
}

/** Whether Dataverse can resolve an application id in the environment's tenant (app + service principal, replicated). */
function appKnownToDataverse(rt: Runtime, env: Environment, appId: string): boolean {
  const app = rt.applicationByAppId(appId);
  const sp = rt.servicePrincipal(env.tenantId, appId);
  if (!app || !sp) return false;
  if (app.tenantId !== env.tenantId && app.signInAudience === 'AzureADMyOrg') return false;
  return rt.isReplicated(app) && rt.isReplicated(sp);
}

function createSystemUser(rt: Runtime, ctx: Ctx, caller: DvCaller, env: Environment, version: string): Reply {
  const need = require(rt, caller, 'Create', tableBySet('systemusers')!);
  if ('status' in need) return need;
  const parsed = body(ctx);
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

function roleAssociation(
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
    return query(
      ctx,
      env,
      version,
      'roles',
      env.roles.filter((r) => su.roleIds.includes(r.roleid)).map((r) => roleJson(env, r)),
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
    if (!su.roleIds.includes(roleId)) su.roleIds.push(roleId);
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
