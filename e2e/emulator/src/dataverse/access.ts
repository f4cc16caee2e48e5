import { randomUUID } from 'node:crypto';
import type { Runtime } from '../core.ts';
import { header, json, type Ctx, type Reply } from '../http.ts';
import type { Environment, PrivilegeDepth, SecurityRole, SystemUser, User } from '../state.ts';
import { claim, verify } from '../tokens.ts';

/** Dataverse's Web API error body: `{ error: { code: '0x…', message } }`. */
export function dvError(
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): Reply {
  return json(status, { error: { code, message } }, { 'odata-version': '4.0', ...headers });
}

export interface DvCaller {
  env: Environment;
  systemUser: SystemUser;
  /** Entra user for delegated calls. */
  user?: User;
  appId: string | null;
}

function unauthorized(rt: Runtime, env: Environment): Reply {
  return {
    status: 401,
    headers: {
      'www-authenticate': `Bearer authorization_uri=https://login.microsoftonline.com/${env.tenantId}/oauth2/authorize, resource_id=${env.url}/`,
    },
    body: '',
  };
}

export async function authenticate(rt: Runtime, ctx: Ctx, env: Environment): Promise<DvCaller | Reply> {
  const auth = header(ctx, 'authorization');
  if (!auth?.startsWith('Bearer ')) return unauthorized(rt, env);
  const verified = await verify(rt.keys, auth.slice(7), [
    env.url,
    `${env.url}/`,
    env.apiUrl,
    `${env.apiUrl}/`,
  ]);
  if (!verified) return unauthorized(rt, env);
  const c = verified.claims;
  if (c.idtyp === 'app') {
    const appId = claim(c, 'appid') || claim(c, 'azp');
    // FIDELITY.md M16-2: a fault injection; the casing of the code is the error-code reference's.
    if (rt.scenarios.takeCounted('dataverse-application-id-not-found', rt.who(undefined, env.tenantId)))
      return dvError(
        400,
        '0x8004F510',
        `We didn't find that application ID ${appId} in your Azure Active Directory (Azure AD) with CorrelationID ${randomUUID()}. Make sure your application is registered in Azure AD.`,
      );
    const su = env.systemUsers.find((s) => s.applicationid === appId);
    if (!su) {
      return dvError(403, '0x80072560', `The user is not a member of the organization.`);
    }
    if (su.isdisabled)
      return dvError(403, '0x8004e00a', `The user with SystemUserId=${su.systemuserid} is disabled.`);
    return { env, systemUser: su, appId };
  }
  const user = rt.user(claim(c, 'oid'));
  const su = env.systemUsers.find((s) => s.azureactivedirectoryobjectid === claim(c, 'oid'));
  if (!user || !su) return dvError(403, '0x80072560', 'The user is not a member of the organization.');
  if (su.isdisabled)
    return dvError(403, '0x8004e00a', `The user with SystemUserId=${su.systemuserid} is disabled.`);
  return { env, systemUser: su, user, appId: null };
}

const DEPTH_ORDER: PrivilegeDepth[] = ['Basic', 'Local', 'Deep', 'Global'];

/** A record-filtered privilege reaches only the records its filter admits: ranked with Basic, the narrowest depth. */
export function depthRank(d: PrivilegeDepth): number {
  return d === 'RecordFilter' ? 0 : DEPTH_ORDER.indexOf(d);
}

/** Roles of a system user, after the `admin-not-system-administrator` scenario strips System Administrator. */
export function effectiveRoles(rt: Runtime, caller: DvCaller): SecurityRole[] {
  const stripAdmin =
    caller.user !== undefined && rt.scenarios.has('admin-not-system-administrator', rt.who(caller.user));
  const lag =
    caller.appId === null
      ? 0
      : (rt.scenarios.find('privilege-cache-lag', rt.who(undefined, caller.env.tenantId)).at(-1)?.seconds ??
        0);
  const cached = (roleId: string) =>
    rt.now() >= (caller.systemUser.roleAssignedAt?.[roleId] ?? 0) + lag * 1000;
  const held = new Set([...caller.systemUser.roleIds, ...teamRoleIds(caller.env, caller.systemUser)]);
  return caller.env.roles
    .filter((r) => held.has(r.roleid) && cached(r.roleid) && !(stripAdmin && r.allPrivileges))
    .concat(
      stripAdmin &&
        caller.systemUser.roleIds.some((id) => caller.env.roles.find((r) => r.roleid === id)?.allPrivileges)
        ? caller.env.roles.filter(
            (r) => r.name === 'Basic User' && r.businessunitid === caller.systemUser.businessunitid,
          )
        : [],
    );
}

/** Roles a user holds through the owner teams they are a member of. */
export function teamRoleIds(env: Environment, su: SystemUser): string[] {
  return (env.teams ?? []).filter((t) => t.memberIds.includes(su.systemuserid)).flatMap((t) => t.roleIds);
}

export function isSysAdmin(rt: Runtime, caller: DvCaller): boolean {
  return effectiveRoles(rt, caller).some((r) => r.allPrivileges);
}

/** The deepest depth at which the caller holds a privilege, or null. */
export function privilegeDepth(rt: Runtime, caller: DvCaller, privilegeName: string): PrivilegeDepth | null {
  const priv = rt.world.privileges.find((p) => p.name === privilegeName);
  if (!priv) return null;
  let best: PrivilegeDepth | null = null;
  for (const role of effectiveRoles(rt, caller)) {
    const d: PrivilegeDepth | undefined = role.allPrivileges ? 'Global' : role.privileges[priv.privilegeid];
    if (d && (best === null || depthRank(d) > depthRank(best))) best = d;
  }
  return best;
}

/** Dataverse's "missing privilege" error (0x80040220), with the same wording the platform uses. */
export function missingPrivilege(
  rt: Runtime,
  caller: DvCaller,
  privilegeName: string,
  otc: number,
  entity: string,
): Reply {
  const priv = rt.world.privileges.find((p) => p.name === privilegeName);
  const roles = effectiveRoles(rt, caller);
  const privCount = roles.reduce(
    (n, r) => n + (r.allPrivileges ? rt.world.privileges.length : Object.keys(r.privileges).length),
    0,
  );
  return dvError(
    403,
    '0x80040220',
    `Principal user (Id=${caller.systemUser.systemuserid}, type=8, roleCount=${roles.length}, privilegeCount=${privCount}, accessMode=${caller.systemUser.accessmode}), is missing ${privilegeName} privilege (Id=${priv?.privilegeid ?? '00000000-0000-0000-0000-000000000000'}) on OTC=${otc} for entity '${entity}'. Consider adding the privilege to one of the principal's existing security roles or assigning a role that includes it.`,
  );
}
