import { createHash, X509Certificate } from 'node:crypto';
import { decodeProtectedHeader, importX509, jwtVerify, decodeJwt } from 'jose';
import type { Runtime } from '../core.ts';
import { json, type Ctx, type Reply } from '../http.ts';
import type { Application, Tenant } from '../state.ts';
import { sha256Hex } from '../tokens.ts';
import { appAccessToken, ACCESS_TOKEN_LIFETIME_S } from './claims.ts';
import { AADSTS } from './errors.ts';
import { noStore, type Fail } from './token-issuance.ts';

/** The client-credentials grant: a confidential app's own token, with a secret or a certificate assertion. */
export async function clientCredentials(
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
  const lifetime =
    rt.scenarios.find('app-token-lifetime', rt.who(undefined, tenant.id)).at(-1)?.seconds ??
    ACCESS_TOKEN_LIFETIME_S - 1;
  return json(
    200,
    {
      token_type: 'Bearer',
      expires_in: lifetime,
      ext_expires_in: lifetime,
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
