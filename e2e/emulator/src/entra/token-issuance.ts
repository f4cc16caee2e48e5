import type { Resource, Runtime } from '../core.ts';
import { json, type Ctx, type Reply } from '../http.ts';
import type { Application, User } from '../state.ts';
import { opaque } from '../tokens.ts';
import { clientInfo, delegatedAccessToken, idToken, ACCESS_TOKEN_LIFETIME_S } from './claims.ts';
import { AADSTS } from './errors.ts';
import { expandDefault, parseScopes, responseScope } from './scopes.ts';

/** Tokens for a signed-in user (code redemption and refresh) and what every token answer shares. */
const SPA_REFRESH_LIFETIME_S = 24 * 3600;
const WEB_REFRESH_LIFETIME_S = 90 * 24 * 3600;

/** An AADSTS error answer bound to the request's correlation id. */
export type Fail = (
  status: number,
  error: string,
  code: number,
  message: string,
  extra?: Record<string, unknown>,
) => Reply;

// ---------------------------------------------------------------- shared issuance

export interface IssueArgs {
  user: User;
  client: Application;
  scope: string;
  spa: boolean;
  sid: string;
  /** When the user signed in (see `AuthCode.signedInAt`). */
  signedInAt: number;
  nonce: string | null;
  refreshExpiresAt: number | null;
  fail: Fail;
  idTokenWanted: boolean;
  firstResourceWins?: boolean;
}

export async function issueUserTokens(rt: Runtime, ctx: Ctx, a: IssueArgs): Promise<Reply> {
  const parsed = parseScopes(rt, a.scope, a.user.tenantId);
  if (parsed.unknown.length > 0) {
    return a.fail(
      400,
      'invalid_resource',
      500011,
      AADSTS.resourceNotFound(parsed.unknown[0] ?? '', rt.tenantById(a.user.tenantId)?.displayName ?? ''),
    );
  }
  // Code redemption with scopes of several resources (extraScopesToConsent) yields a token for the first one;
  // a refresh-token request must name a single resource.
  if (parsed.resources.length > 1 && !a.firstResourceWins) {
    return a.fail(400, 'invalid_scope', 28000, AADSTS.multipleResources(a.scope));
  }
  const target = parsed.resources[0] ?? { resource: rt.graphResource(), values: [] as string[] };
  const resource: Resource = target.resource;
  const requested = expandDefault(rt, a.client, resource, target.values);
  const granted = rt.grantedScopes(a.user.tenantId, a.client.appId, resource.appId, a.user.id);
  const missing = requested.filter((v) => !granted.includes(v));
  const isOwnTenantApp = a.client.tenantId === a.user.tenantId && a.client.appId === resource.appId;
  if (missing.length > 0 && !isOwnTenantApp) {
    return a.fail(400, 'invalid_grant', 65001, AADSTS.consentRequired(a.client.appId, a.client.displayName), {
      suberror: 'consent_required',
    });
  }
  const scp = [...new Set([...granted, ...requested])];
  const graphOidc =
    resource.appId === '00000003-0000-0000-c000-000000000000'
      ? parsed.oidc.filter((s) => s !== 'offline_access')
      : [];
  const accessToken = await delegatedAccessToken(
    rt,
    a.user,
    a.client,
    resource,
    [...scp, ...graphOidc],
    a.sid,
    a.signedInAt,
  );
  const body: Record<string, unknown> = {
    token_type: 'Bearer',
    scope: responseScope(resource, scp, parsed.oidc),
    expires_in: ACCESS_TOKEN_LIFETIME_S - 1,
    ext_expires_in: ACCESS_TOKEN_LIFETIME_S - 1,
    access_token: accessToken,
  };
  if (parsed.oidc.includes('offline_access')) {
    const rtValue = `1.${opaque(96)}`;
    const expiresAt =
      a.refreshExpiresAt ?? rt.now() + (a.spa ? SPA_REFRESH_LIFETIME_S : WEB_REFRESH_LIFETIME_S) * 1000;
    rt.refreshTokens.set(rtValue, {
      clientId: a.client.appId,
      userId: a.user.id,
      tenantId: a.user.tenantId,
      spa: a.spa,
      sid: a.sid,
      expiresAt,
      signedInAt: a.signedInAt,
    });
    body.refresh_token = rtValue;
    if (a.spa) body.refresh_token_expires_in = Math.max(0, Math.floor((expiresAt - rt.now()) / 1000));
  }
  if (a.idTokenWanted && parsed.oidc.includes('openid')) {
    body.id_token = await idToken(rt, ctx.origin, a.user, a.client.appId, a.nonce, a.sid);
  }
  body.client_info = clientInfo(a.user);
  return json(200, body, noStore());
}

export function noStore(): Record<string, string> {
  return { 'cache-control': 'no-store, no-cache', pragma: 'no-cache' };
}
