/** Shared Web API plumbing: OData responses, entity ids, request bodies and privilege checks. */
import type { Runtime } from '../core.ts';
import { header, json, noContent, readJson, INVALID_JSON, type Ctx, type Reply } from '../http.ts';
import { FilterError, evaluate, parseFilter, selectFields } from '../odata.ts';
import type { Environment, PrivilegeDepth, TableRow } from '../state.ts';
import { dvError, missingPrivilege, privilegeDepth, type DvCaller } from './access.ts';
import { type TableInfo } from './tables.ts';

export const GUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
/** PrivilegeDepth by its enum value: 0..3, and 4 `RecordFilter` ([PrivilegeDepth] in the Web API reference). */
export const DEPTHS: PrivilegeDepth[] = ['Basic', 'Local', 'Deep', 'Global', 'RecordFilter'];

export function base(env: Environment, version: string): string {
  return `${env.apiUrl}/api/data/${version}`;
}

export function notExist(entity: string, id: string): Reply {
  return dvError(404, '0x80040217', `${entity} With Id = ${id} Does Not Exist`);
}

export function badRequest(message: string, code = '0x80048d19'): Reply {
  return dvError(400, code, message);
}

/** The privilege that guards an operation on a table (`prvReadAccount`, `prvCreateUser`, …). */
export function require(
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

export function query(
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

export function entityOne(
  ctx: Ctx,
  env: Environment,
  version: string,
  setName: string,
  row: TableRow,
): Reply {
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

export function body(ctx: Ctx): { value: Record<string, unknown> } | Reply {
  const b = readJson(ctx);
  if (b === INVALID_JSON || typeof b !== 'object' || b === null || Array.isArray(b)) {
    return badRequest('The request body is not valid JSON or is empty.', '0x80048d19');
  }
  return { value: b as Record<string, unknown> };
}

/** A create request: the caller's Create privilege on the table first, then a JSON object body. */
export function createBody(
  rt: Runtime,
  ctx: Ctx,
  caller: DvCaller,
  table: TableInfo,
): { value: Record<string, unknown> } | Reply {
  const need = require(rt, caller, 'Create', table);
  return 'status' in need ? need : body(ctx);
}

export function bindId(value: unknown, set: string): string | null {
  if (typeof value !== 'string') return null;
  const m = new RegExp(`(?:^|/)${set}\\((${GUID})\\)$`).exec(value);
  return m?.[1]?.toLowerCase() ?? null;
}

export function created(
  ctx: Ctx,
  env: Environment,
  version: string,
  set: string,
  id: string,
  row: TableRow,
): Reply {
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
