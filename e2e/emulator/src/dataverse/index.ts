import { randomUUID } from 'node:crypto';
import type { Runtime } from '../core.ts';
import { json, type Ctx, type Reply } from '../http.ts';
import type { Environment, PrivilegeDepth, TableRow } from '../state.ts';
import { authenticate, dvError, type DvCaller } from './access.ts';
import { businessUnitJson, privilegeJson, roleJson, systemUserJson } from './serialize.ts';
import { tableBySet, type TableInfo } from './tables.ts';
import { GUID, base, created, createBody, entityOne, notExist, query, require } from './web-api.ts';
import {
  addPrivileges,
  createRole,
  deleteRole,
  retrieveRolePrivileges,
  retrieveUserPrivileges,
} from './roles.ts';
import { createSystemUser, roleAssociation, teamRoute } from './system-users.ts';
import { deleteSystemUser, updateSystemUser } from './user-removal.ts';

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

export async function dataverse(rt: Runtime, ctx: Ctx, env: Environment): Promise<Reply> {
  const path = decodeURIComponent(ctx.url.pathname);
  const m = /^\/api\/data\/(v9\.[0-2])(\/.*)?$/.exec(path);
  if (!m)
    return dvError(404, '0x80060888', `Resource not found for the segment '${path.split('/')[1] ?? ''}'.`);
  const version = m[1] ?? 'v9.2';
  const rest = m[2] ?? '/';
  // A disabled environment answers nothing (FIDELITY.md H18-7: Microsoft's exact answer is not documented).
  if (env.disabled)
    return { status: 503, headers: { 'content-type': 'text/plain' }, body: 'Service Unavailable' };
  const caller = await authenticate(rt, ctx, env);
  if ('status' in caller) return caller;
  const method = ctx.method;

  if (/^\/WhoAmI(\(\))?$/i.test(rest) && method === 'GET') {
    return json(
      200,
      {
        '@odata.context': `${base(env, version)}/$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse`,
        BusinessUnitId: caller.systemUser.businessunitid,
        // FIDELITY.md M16-1: a fault injection; Microsoft always answers UserId.
        ...(rt.scenarios.has('whoami-without-user-id', rt.who(undefined, env.tenantId))
          ? {}
          : { UserId: caller.systemUser.systemuserid }),
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

  const rup = new RegExp(
    `^/systemusers\\((${GUID})\\)/Microsoft\\.Dynamics\\.CRM\\.RetrieveUserPrivileges(?:\\(\\))?$`,
  ).exec(rest);
  if (rup && method === 'GET') return retrieveUserPrivileges(rt, caller, env, version, rup[1]!.toLowerCase());

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

  const teams = teamRoute(rt, ctx, caller, env, version, rest);
  if (teams) return teams;

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
    if (method === 'PATCH' && id && table.logicalName === 'systemuser')
      return updateSystemUser(rt, ctx, caller, env, id.toLowerCase());
    if (method === 'DELETE' && id && table.logicalName === 'systemuser')
      return deleteSystemUser(rt, caller, env, id.toLowerCase());
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
  const parsed = createBody(rt, ctx, caller, table);
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
