import { createHash, X509Certificate } from 'node:crypto';
import { decodeProtectedHeader, importX509, jwtVerify, decodeJwt } from 'jose';
import { tenantSegmentKind, type Resource, type Runtime } from '../core.ts';
import { header, json, readForm, type Ctx, type Reply } from '../http.ts';
import type { Application, Tenant, User } from '../state.ts';
import { opaque, sha256Base64url, sha256Hex } from '../tokens.ts';
import {
  appAccessToken,
  clientInfo,
  delegatedAccessToken,
  idToken,
  ACCESS_TOKEN_LIFETIME_S,
} from './claims.ts';
import { AADSTS, aadstsError } from './errors.ts';
import { expandDefault, parseScopes, resourceAppIds, responseScope } from './scopes.ts';

const SPA_REFRESH_LIFETIME_S = 24 * 3600;
const WEB_REFRESH_LIFETIME_S = 90 * 24 * 3600;

export async function tokenEndpoint(rt: Runtime, ctx: Ctx, segment: string): Promise<Reply> {
  const form = readForm(ctx);
  const correlation =
    ctx.url.searchParams.get('client-request-id') ?? header(ctx, 'client-request-id') ?? undefined;
  const fail = (
    status: number,
    error: string,
    code: number,
    message: string,
    extra: Record<string, unknown> = {},
  ) => aadstsError(status, error, code, message, extra, correlation);

  const kind = tenantSegmentKind(segment);
  let tenant: Tenant | undefined;
  if (kind === 'tenant') {
    tenant = rt.tenant(segment);
    if (!tenant) return fail(400, 'invalid_request', 90002, AADSTS.tenantNotFound(segment));
  }
  let clientId = form.get('client_id');
  let clientSecret = form.get('client_secret');
  const basic = header(ctx, 'authorization');
  if (basic?.startsWith('Basic ')) {
    const [id, secret] = Buffer.from(basic.slice(6), 'base64').toString('utf8').split(':');
    clientId ??= decodeURIComponent(id ?? '');
    clientSecret ??= decodeURIComponent(secret ?? '');
  }
  const grantType = form.get('grant_type');
  if (!grantType) return fail(400, 'invalid_request', 900144, AADSTS.missingParameter('grant_type'));
  if (!clientId) return fail(400, 'invalid_request', 900144, AADSTS.missingParameter('client_id'));

  switch (grantType) {
    case 'client_credentials':
      if (!tenant) return fail(400, 'invalid_request', 50059, AADSTS.noTenant());
      return clientCredentials(rt, ctx, form, tenant, clientId, clientSecret, fail);
    case 'authorization_code':
      return authorizationCode(rt, ctx, form, tenant, clientId, clientSecret, fail);
    case 'refresh_token':
      return refreshToken(rt, ctx, form, tenant, clientId, fail);
    default:
      return fail(
        400,
        'unsupported_grant_type',
        70003,
        `The app requested an unsupported grant type '${grantType}'.`,
      );
  }
}

type Fail = (
  status: number,
  error: string,
  code: number,
  message: string,
  extra?: Record<string, unknown>,
) => Reply;

// ---------------------------------------------------------------- client credentials

async function clientCredentials(
  rt: Runtime,
  ctx: Ctx,
  form: URLSearchParams,
  tenant: Tenant,
  clientId: string,
  clientSecret: string | null,
  fail: Fail,
): Promise<Reply> {
  const scope = form.get('scope');
  if (!scope) return fail(400, 'invalid_request', 900144, AADSTS.missingParameter('scope'));
  const scopes = scope.split(/\s+/).filter(Boolean);
  const first = scopes[0] ?? '';
  if (scopes.length !== 1 || !first.endsWith('/.default')) {
    return fail(400, 'invalid_scope', 1002012, AADSTS.defaultScopeRequired(scope));
  }
  const resource = rt.resource(first.slice(0, -'/.default'.length), tenant.id);
  if (!resource) {
    return fail(
      400,
      'invalid_resource',
      500011,
      AADSTS.resourceNotFound(first.slice(0, -'/.default'.length), tenant.displayName),
    );
  }
  const app = rt.applicationByAppId(clientId);
  const sp = rt.servicePrincipal(tenant.id, clientId);
  // Replication: a new app (or its service principal) is unknown to the token service for a while.
  const appVisible =
    app && rt.isReplicated(app) && (app.tenantId === tenant.id || app.signInAudience !== 'AzureADMyOrg');
  if (!app || !appVisible) {
    return fail(400, 'unauthorized_client', 700016, AADSTS.appNotFound(clientId, tenant.displayName));
  }
  if (!sp || !rt.isReplicated(sp)) {
    if (app.tenantId === tenant.id && !sp)
      return fail(401, 'invalid_client', 7000229, AADSTS.missingSp(clientId, tenant.id));
    return fail(400, 'unauthorized_client', 700016, AADSTS.appNotFound(clientId, tenant.displayName));
  }
  let appidacr: '1' | '2';
  const assertionType = form.get('client_assertion_type');
  const assertion = form.get('client_assertion');
  if (assertion) {
    if (assertionType !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') {
      return fail(
        400,
        'invalid_request',
        50027,
        `Invalid JWT token. Unsupported client_assertion_type '${assertionType ?? ''}'.`,
      );
    }
    const problem = await checkAssertion(app, assertion, ctx, tenant);
    if (problem) return fail(401, 'invalid_client', problem.code, problem.message);
    appidacr = '2';
  } else if (clientSecret) {
    const hash = sha256Hex(clientSecret);
    const cred = app.passwordCredentials.find((c) => c.secretHash === hash && rt.now() >= c.usableAt);
    if (!cred) return fail(401, 'invalid_client', 7000215, AADSTS.invalidSecret(clientId));
    if (Date.parse(cred.endDateTime) <= rt.now())
      return fail(401, 'invalid_client', 7000222, AADSTS.expiredSecret(clientId));
    if (Date.parse(cred.startDateTime) > rt.now())
      return fail(401, 'invalid_client', 7000215, AADSTS.invalidSecret(clientId));
    appidacr = '1';
  } else {
    return fail(401, 'invalid_client', 7000218, AADSTS.invalidClientAuth());
  }
  const accessToken = await appAccessToken(rt, tenant.id, app, sp, resource, appidacr);
  return json(
    200,
    {
      token_type: 'Bearer',
      expires_in: ACCESS_TOKEN_LIFETIME_S - 1,
      ext_expires_in: ACCESS_TOKEN_LIFETIME_S - 1,
      access_token: accessToken,
    },
    noStore(),
  );
}

async function checkAssertion(
  app: Application,
  assertion: string,
  ctx: Ctx,
  tenant: Tenant,
): Promise<{ code: number; message: string } | null> {
  let x5t: string | undefined;
  let x5tS256: string | undefined;
  try {
    const h = decodeProtectedHeader(assertion);
    x5t = typeof h.x5t === 'string' ? h.x5t : undefined;
    x5tS256 = typeof h['x5t#S256'] === 'string' ? h['x5t#S256'] : undefined;
    decodeJwt(assertion);
  } catch {
    return { code: 50027, message: 'Invalid JWT token. The token is malformed.' };
  }
  const cred = app.keyCredentials.find((k) => {
    const der = Buffer.from(k.key, 'base64');
    const sha1 = createHash('sha1').update(der).digest('base64url');
    const sha256 = createHash('sha256').update(der).digest('base64url');
    return (x5t !== undefined && sha1 === x5t) || (x5tS256 !== undefined && sha256 === x5tS256);
  });
  if (!cred) return { code: 700027, message: AADSTS.assertionCertUnknown(app.appId) };
  try {
    const pem = new X509Certificate(Buffer.from(cred.key, 'base64')).toString();
    const alg = decodeProtectedHeader(assertion).alg ?? 'RS256';
    const key = await importX509(pem, alg);
    const { payload } = await jwtVerify(assertion, key, { clockTolerance: 300 });
    if (payload.iss !== app.appId || payload.sub !== app.appId) {
      return {
        code: 700021,
        message: "Client assertion application identifier doesn't match 'client_id' parameter.",
      };
    }
    const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    const accepted = [tenant.id, ...tenant.domains].flatMap((t) => [
      `https://login.microsoftonline.com/${t}/oauth2/v2.0/token`,
      `${ctx.base}/${t}/oauth2/v2.0/token`,
      `https://login.microsoftonline.com/${t}/v2.0`,
    ]);
    if (!aud.some((a) => typeof a === 'string' && accepted.includes(a))) {
      return { code: 700212, message: AADSTS.assertionAudience(String(aud[0])) };
    }
    if (Date.parse(cred.endDateTime) <= Date.now()) {
      return {
        code: 700027,
        message: 'Client assertion contains an invalid signature. [Reason - The key used is expired.]',
      };
    }
  } catch (e) {
    const expired = e instanceof Error && /exp|nbf/.test(e.message);
    return expired
      ? { code: 700024, message: AADSTS.assertionExpired() }
      : { code: 700027, message: AADSTS.assertionSignature() };
  }
  return null;
}

// ---------------------------------------------------------------- authorization code

async function authorizationCode(
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
    nonce: record.nonce,
    refreshExpiresAt: null,
    fail,
    idTokenWanted: true,
    firstResourceWins: true,
  });
}

// ---------------------------------------------------------------- refresh token

async function refreshToken(
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

// ---------------------------------------------------------------- shared issuance

interface IssueArgs {
  user: User;
  client: Application;
  scope: string;
  spa: boolean;
  sid: string;
  nonce: string | null;
  refreshExpiresAt: number | null;
  fail: Fail;
  idTokenWanted: boolean;
  firstResourceWins?: boolean;
}

async function issueUserTokens(rt: Runtime, ctx: Ctx, a: IssueArgs): Promise<Reply> {
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

function noStore(): Record<string, string> {
  return { 'cache-control': 'no-store, no-cache', pragma: 'no-cache' };
}
