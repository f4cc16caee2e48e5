import { DEFAULT_USER_ROLE_WID } from '../ids.ts';
import type { Resource, Runtime } from '../core.ts';
import type { Application, ServicePrincipal, User } from '../state.ts';
import { base64url, opaque, pairwiseSub, sign } from '../tokens.ts';

export const ACCESS_TOKEN_LIFETIME_S = 3600 + 600;
const ID_TOKEN_LIFETIME_S = 3600;

function times(lifetime: number) {
  const now = Math.floor(Date.now() / 1000);
  return { iat: now - 300, nbf: now - 300, exp: now + lifetime };
}

export function clientInfo(user: User): string {
  return base64url(JSON.stringify({ uid: user.id, utid: user.tenantId }));
}

/** `login_hint` claim: an opaque value MSAL sends back as `logout_hint`/`login_hint`; here base64url of the oid. */
export function loginHint(user: User): string {
  return base64url(JSON.stringify({ oid: user.id, tid: user.tenantId, upn: user.userPrincipalName }));
}

export async function idToken(
  rt: Runtime,
  authorityOrigin: string,
  user: User,
  clientId: string,
  nonce: string | null,
  sid: string,
): Promise<string> {
  // A guest's token is issued by the resource tenant, names the person by their home sign-in name and records
  // the home tenant as `idp` (Entra B2B user tokens, FIDELITY.md I15-8).
  const home = user.homeUserId ? rt.user(user.homeUserId) : undefined;
  return sign(rt.keys, {
    aud: clientId,
    iss: `${authorityOrigin}/${user.tenantId}/v2.0`,
    ...times(ID_TOKEN_LIFETIME_S),
    aio: opaque(48),
    ...(home ? { idp: `https://sts.windows.net/${home.tenantId}/` } : {}),
    login_hint: loginHint(user),
    name: user.displayName,
    ...(nonce ? { nonce } : {}),
    oid: user.id,
    preferred_username: (home ?? user).userPrincipalName,
    rh: `1.${opaque(32)}.`,
    sid,
    sub: pairwiseSub(user.id, clientId),
    tid: user.tenantId,
    uti: opaque(16),
    ver: '2.0',
  });
}

/** The claims every access token carries, user or app: audience, lifetime, tenant and Entra's opaque ids. */
function accessTokenBase(resource: Resource, tid: string) {
  return {
    aud: resource.audience,
    ...times(ACCESS_TOKEN_LIFETIME_S),
    aio: opaque(48),
    rh: `1.${opaque(32)}.`,
    tid,
    uti: opaque(16),
  };
}

/**
 * A delegated access token. Microsoft's own APIs (Graph, Dataverse, Global Discovery) receive v1.0 tokens
 * (`iss` sts.windows.net, `appid`, `scp`, `wids`) whatever endpoint issued them; apps that set
 * `requestedAccessTokenVersion: 2` receive v2.0 tokens (`azp`, `iss` …/v2.0).
 */
export async function delegatedAccessToken(
  rt: Runtime,
  user: User,
  client: Application,
  resource: Resource,
  scopes: string[],
  sid: string,
  signedInAt: number = rt.now(),
): Promise<string> {
  const tid = user.tenantId;
  const roles = user.appRoles.filter((r) => r.resourceAppId === resource.appId).map((r) => r.value);
  const wids = rt.scenarios.has('access-token-without-wids', rt.who(user))
    ? undefined
    : [...rt.directoryRoleIds(user, signedInAt), DEFAULT_USER_ROLE_WID];
  const common = {
    ...accessTokenBase(resource, tid),
    idtyp: 'user',
    name: user.displayName,
    oid: user.id,
    scp: scopes.join(' '),
    ...(roles.length > 0 ? { roles } : {}),
    sid,
    sub: pairwiseSub(user.id, resource.appId),
    ...(wids ? { wids } : {}),
  };
  if (resource.tokenVersion === 2) {
    return sign(rt.keys, {
      ...common,
      iss: `https://login.microsoftonline.com/${tid}/v2.0`,
      azp: client.appId,
      azpacr: '0',
      preferred_username: user.userPrincipalName,
      ver: '2.0',
    });
  }
  return sign(rt.keys, {
    ...common,
    iss: `https://sts.windows.net/${tid}/`,
    acct: 0,
    acr: '1',
    amr: ['pwd'],
    app_displayname: client.displayName,
    appid: client.appId,
    appidacr: '0',
    family_name: user.surname,
    given_name: user.givenName,
    ipaddr: '127.0.0.1',
    platf: '3',
    puid: opaque(8).toUpperCase(),
    tenant_region_scope: 'NA',
    unique_name: user.userPrincipalName,
    upn: user.userPrincipalName,
    ver: '1.0',
    xms_tcdt: 1600000000,
  });
}

/** App-only token (client credentials): `idtyp: app`, `oid`/`sub` = the client's service principal, no `scp`. */
export async function appAccessToken(
  rt: Runtime,
  tenantId: string,
  client: Application,
  sp: ServicePrincipal,
  resource: Resource,
  appidacr: '1' | '2',
): Promise<string> {
  const common = { ...accessTokenBase(resource, tenantId), idtyp: 'app', oid: sp.id, sub: sp.id };
  if (resource.tokenVersion === 2) {
    return sign(rt.keys, {
      ...common,
      iss: `https://login.microsoftonline.com/${tenantId}/v2.0`,
      azp: client.appId,
      azpacr: appidacr,
      ver: '2.0',
    });
  }
  return sign(rt.keys, {
    ...common,
    iss: `https://sts.windows.net/${tenantId}/`,
    app_displayname: client.displayName,
    appid: client.appId,
    appidacr,
    idp: `https://sts.windows.net/${tenantId}/`,
    ver: '1.0',
    xms_tcdt: 1600000000,
  });
}
