import type { Runtime } from '../core.ts';
import { header, type Ctx, type Reply } from '../http.ts';
import type { Tenant } from '../state.ts';
import { sha256Base64url, sha256Hex } from '../tokens.ts';
import { AADSTS } from './errors.ts';
import { resourceAppIds } from './scopes.ts';
import { issueUserTokens, type Fail } from './token-issuance.ts';

// ---------------------------------------------------------------- authorization code

export async function authorizationCode(
  rt: Runtime,
  ctx: Ctx,
  form: URLSearchParams,
  tenant: Tenant | undefined,
  clientId: string,
  clientSecret: string | null,
  fail: Fail,
): Promise<Reply> {
  const code = form.get('code');
  if (!code) return fail(400, 'invalid_request', 900144, AADSTS.missingParameter('code'));
  const redirectUri = form.get('redirect_uri');
  if (!redirectUri) return fail(400, 'invalid_request', 900144, AADSTS.missingParameter('redirect_uri'));
  const record = rt.codes.get(code);
  if (!record) return fail(400, 'invalid_grant', 70008, AADSTS.codeInvalid());
  if (record.expiresAt <= rt.now()) {
    rt.codes.delete(code);
    return fail(400, 'invalid_grant', 70008, AADSTS.codeInvalid());
  }
  if (record.used) return fail(400, 'invalid_grant', 54005, AADSTS.codeRedeemed());
  if (record.clientId !== clientId)
    return fail(
      400,
      'invalid_grant',
      70000,
      'The provided value for the client_id parameter does not match the authorization code.',
    );
  if (record.redirectUri !== redirectUri) {
    return fail(
      400,
      'invalid_grant',
      70000,
      "The provided value for the input parameter 'redirect_uri' is not valid. The expected value is a URI which matches a redirect URI registered for this client application.",
    );
  }
  if (tenant && tenant.id !== record.tenantId)
    return fail(400, 'invalid_grant', 50020, 'User account from identity provider does not exist in tenant.');
  const origin = header(ctx, 'origin');
  if (record.redirectKind === 'spa' && !origin)
    return fail(400, 'invalid_request', 9002327, AADSTS.spaRequiresOrigin());
  if (record.redirectKind !== 'spa' && origin) {
    // Entra answers this without CORS headers, so a browser reports it as a CORS failure.
    return { ...fail(400, 'invalid_request', 9002326, AADSTS.crossOriginOnlySpa(origin)), cors: false };
  }
  if (record.redirectKind === 'web') {
    // A web (confidential) client must authenticate when redeeming its code.
    const app = rt.applicationByAppId(clientId);
    const hash = clientSecret ? sha256Hex(clientSecret) : null;
    const cred = app?.passwordCredentials.find((c) => c.secretHash === hash && rt.now() >= c.usableAt);
    if (!clientSecret) return fail(401, 'invalid_client', 7000218, AADSTS.invalidClientAuth());
    if (!cred) return fail(401, 'invalid_client', 7000215, AADSTS.invalidSecret(clientId));
    if (Date.parse(cred.endDateTime) <= rt.now())
      return fail(401, 'invalid_client', 7000222, AADSTS.expiredSecret(clientId));
  }
  const verifier = form.get('code_verifier');
  if (record.codeChallenge) {
    if (!verifier) return fail(400, 'invalid_grant', 501481, AADSTS.pkceMismatch());
    const computed = record.codeChallengeMethod === 'plain' ? verifier : sha256Base64url(verifier);
    if (computed !== record.codeChallenge) return fail(400, 'invalid_grant', 501481, AADSTS.pkceMismatch());
  }
  record.used = true;
  const user = rt.user(record.userId);
  const client = rt.applicationByAppId(clientId);
  if (!user || !client) return fail(400, 'invalid_grant', 70008, AADSTS.codeInvalid());
  return issueUserTokens(rt, ctx, {
    user,
    client,
    scope: record.scopes.join(' '),
    spa: record.redirectKind === 'spa',
    sid: record.sid,
    signedInAt: record.signedInAt,
    nonce: record.nonce,
    refreshExpiresAt: null,
    fail,
    idTokenWanted: true,
    firstResourceWins: true,
  });
}

// ---------------------------------------------------------------- refresh token

export async function refreshToken(
  rt: Runtime,
  ctx: Ctx,
  form: URLSearchParams,
  tenant: Tenant | undefined,
  clientId: string,
  fail: Fail,
): Promise<Reply> {
  const token = form.get('refresh_token');
  if (!token) return fail(400, 'invalid_request', 900144, AADSTS.missingParameter('refresh_token'));
  const record = rt.refreshTokens.get(token);
  if (!record || record.clientId !== clientId)
    return fail(400, 'invalid_grant', 9002313, AADSTS.badRefreshToken());
  if (tenant && tenant.id !== record.tenantId)
    return fail(400, 'invalid_grant', 9002313, AADSTS.badRefreshToken());
  if (record.expiresAt <= rt.now()) {
    rt.refreshTokens.delete(token);
    return fail(
      400,
      'invalid_grant',
      record.spa ? 700084 : 700082,
      record.spa ? AADSTS.spaRefreshExpired() : AADSTS.codeInvalid(),
    );
  }
  const origin = header(ctx, 'origin');
  if (record.spa && !origin) return fail(400, 'invalid_request', 9002327, AADSTS.spaRequiresOrigin());
  const user = rt.user(record.userId);
  const client = rt.applicationByAppId(clientId);
  if (!user || !client) return fail(400, 'invalid_grant', 9002313, AADSTS.badRefreshToken());
  const scope = form.get('scope') ?? 'openid profile offline_access';
  // Conditional Access evaluates every token request: a refresh token cannot satisfy an MFA requirement.
  const mfa = rt.mfaPending(user, resourceAppIds(rt, scope, user.tenantId));
  if (mfa) {
    return fail(400, 'interaction_required', 50076, AADSTS.mfaRequired(mfa), {
      suberror: 'basic_action',
      claims: mfaClaims(),
    });
  }
  const reply = await issueUserTokens(rt, ctx, {
    user,
    client,
    scope,
    spa: record.spa,
    sid: record.sid,
    // A refreshed token reflects the sign-in it descends from: a PIM role activated since needs a new sign-in.
    signedInAt: record.signedInAt,
    nonce: null,
    // SPA refresh tokens keep their original 24 h deadline across rotation (AADSTS700084 afterwards).
    refreshExpiresAt: record.spa ? record.expiresAt : null,
    fail,
    idTokenWanted: true,
  });
  if (reply.status === 200) rt.refreshTokens.delete(token);
  return reply;
}

/** The claims challenge Entra sends with AADSTS50076: the Conditional Access policy the client must satisfy. */
function mfaClaims(): string {
  return JSON.stringify({ access_token: { capolids: { essential: true, values: [MFA_POLICY_ID] } } });
}
const MFA_POLICY_ID = '5d0c8e9a-3b1f-4c2e-9a7d-6f4b2e1c8d30';
