import { GRAPH_APP_ID, GRAPH_RESOURCE } from '../ids.ts';
import type { Runtime } from '../core.ts';
import { header, type Ctx, type Reply } from '../http.ts';
import type { Tenant, User } from '../state.ts';
import { claim, verify } from '../tokens.ts';
import { graphError } from './errors.ts';

export interface GraphCaller {
  tenant: Tenant;
  /** Signed-in user for delegated tokens; undefined for app-only. */
  user?: User;
  appId: string;
  scopes: string[];
  roles: string[];
  /** The delegated token's `wids` (directory role template ids), if it has the claim. */
  wids?: string[];
}

export async function authenticate(rt: Runtime, ctx: Ctx): Promise<GraphCaller | Reply> {
  const auth = header(ctx, 'authorization');
  if (!auth?.startsWith('Bearer ')) {
    return graphError(ctx, 401, 'InvalidAuthenticationToken', 'Access token is empty.');
  }
  const verified = await verify(rt.keys, auth.slice(7), [GRAPH_RESOURCE, `${GRAPH_RESOURCE}/`, GRAPH_APP_ID]);
  if (!verified)
    return graphError(
      ctx,
      401,
      'InvalidAuthenticationToken',
      'Access token validation failure. Invalid audience.',
    );
  const c = verified.claims;
  const tenant = rt.tenantById(claim(c, 'tid'));
  if (!tenant) return graphError(ctx, 401, 'InvalidAuthenticationToken', 'Access token validation failure.');
  const appId = claim(c, 'appid') || claim(c, 'azp');
  if (c.idtyp === 'app') {
    return { tenant, appId, scopes: [], roles: Array.isArray(c.roles) ? (c.roles as string[]) : [] };
  }
  const user = rt.user(claim(c, 'oid'));
  if (!user) return graphError(ctx, 401, 'InvalidAuthenticationToken', 'Access token validation failure.');
  return {
    tenant,
    user,
    appId,
    scopes: claim(c, 'scp').split(' ').filter(Boolean),
    roles: [],
    ...(Array.isArray(c.wids) ? { wids: (c.wids as unknown[]).filter((w) => typeof w === 'string') } : {}),
  };
}

/** Delegated scope check (any of) — app-only callers need one of the same names as an app role. */
export function hasPermission(caller: GraphCaller, anyOf: string[]): boolean {
  return caller.user
    ? anyOf.some((s) => caller.scopes.includes(s))
    : anyOf.some((s) => caller.roles.includes(s));
}

/** Directory role check for delegated calls; app-only calls are governed by the app role alone. */
export function hasDirectoryRole(rt: Runtime, caller: GraphCaller, anyOf: string[]): boolean {
  if (!caller.user) return true;
  return rt.tokenDirectoryRoles(caller.user, caller.wids).some((r) => anyOf.includes(r));
}

export const APP_WRITE_ROLES = [
  'Global Administrator',
  'Application Administrator',
  'Cloud Application Administrator',
];
export const APP_CREATE_ROLES = [...APP_WRITE_ROLES, 'Application Developer'];
export const APP_READ_SCOPES = ['Application.Read.All', 'Application.ReadWrite.All', 'Directory.Read.All'];
export const APP_WRITE_SCOPES = ['Application.ReadWrite.All'];

/** Reading applications and service principals. */
export function canReadApplications(caller: GraphCaller): boolean {
  return hasPermission(caller, APP_READ_SCOPES);
}

/** Writing applications and service principals; creating an application also admits Application Developers. */
export function canWriteApplications(rt: Runtime, caller: GraphCaller, create = false): boolean {
  return (
    hasPermission(caller, APP_WRITE_SCOPES) &&
    hasDirectoryRole(rt, caller, create ? APP_CREATE_ROLES : APP_WRITE_ROLES)
  );
}
