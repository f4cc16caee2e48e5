/**
 * What a disconnect does to Dataverse (issue 18 item 4, FIDELITY.md D18-*): an application user is deactivated
 * (`PATCH systemusers(id)` with `isdisabled`), then deleted once inactive and without roles; a custom security role
 * is deleted only while no user or team holds it.
 */
import type { Runtime } from '../core.ts';
import { noContent, type Ctx, type Reply } from '../http.ts';
import type { Environment } from '../state.ts';
import { dvError, type DvCaller } from './access.ts';
import { tableBySet } from './tables.ts';
import { badRequest, body, notExist, require } from './web-api.ts';

/** D18-1: only `isdisabled` of an application user is writable here (stricter reading; the rest is Entra's). */
export function updateSystemUser(
  rt: Runtime,
  ctx: Ctx,
  caller: DvCaller,
  env: Environment,
  userId: string,
): Reply {
  const need = require(rt, caller, 'Write', tableBySet('systemusers')!);
  if ('status' in need) return need;
  const su = env.systemUsers.find((s) => s.systemuserid === userId);
  if (!su) return notExist('systemuser', userId);
  const parsed = body(ctx);
  if (!('value' in parsed)) return parsed;
  const b = parsed.value;
  const keys = Object.keys(b);
  if (keys.length !== 1 || keys[0] !== 'isdisabled' || typeof b.isdisabled !== 'boolean')
    return badRequest(
      'This emulator updates only isdisabled of a system user (send { "isdisabled": true } to deactivate).',
      '0x80040203',
    );
  if (su.accessmode !== 4)
    return badRequest(
      "An interactive user's status follows Microsoft Entra ID; it cannot be changed here.",
      '0x80040203',
    );
  su.isdisabled = b.isdisabled;
  return noContent({ 'odata-version': '4.0' });
}

/** D18-2: deleting an application user needs it inactive, without roles and without records it owns. */
export function deleteSystemUser(rt: Runtime, caller: DvCaller, env: Environment, userId: string): Reply {
  const need = require(rt, caller, 'Delete', tableBySet('systemusers')!);
  if ('status' in need) return need;
  const su = env.systemUsers.find((s) => s.systemuserid === userId);
  if (!su) return notExist('systemuser', userId);
  if (su.accessmode !== 4)
    return badRequest('Only an inactive application user can be deleted through the Web API.', '0x80040203');
  if (!su.isdisabled)
    return badRequest(
      `The application user ${su.systemuserid} is active; deactivate it before deleting it.`,
      '0x80040203',
    );
  if (su.roleIds.length > 0)
    return badRequest(
      `The application user ${su.systemuserid} still holds security roles; remove them before deleting it.`,
      '0x80040203',
    );
  const owns = Object.values(env.tables).some((rows) =>
    rows.some((r) => r._ownerid_value === su.systemuserid),
  );
  if (owns)
    return badRequest(
      `The application user ${su.systemuserid} owns records; reassign them before deleting it.`,
      '0x80040203',
    );
  env.systemUsers = env.systemUsers.filter((s) => s !== su);
  for (const team of env.teams ?? []) team.memberIds = team.memberIds.filter((id) => id !== su.systemuserid);
  return noContent({ 'odata-version': '4.0' });
}

/** D18-3: a role someone holds (a user or a team, in any business-unit copy) is not deleted. */
export function roleInUse(env: Environment, roleIds: ReadonlySet<string>): Reply | null {
  const users = env.systemUsers.filter((s) => s.roleIds.some((id) => roleIds.has(id))).length;
  const teams = (env.teams ?? []).filter((t) => t.roleIds.some((id) => roleIds.has(id))).length;
  if (users + teams === 0) return null;
  return dvError(
    400,
    '0x80040203',
    `The role cannot be deleted because it is assigned to ${users} user(s) and ${teams} team(s). Remove it from them first.`,
  );
}
