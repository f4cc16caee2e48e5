import type { Runtime } from '../core.ts';
import { json, type Ctx, type Reply } from '../http.ts';
import type { Tenant } from '../state.ts';
import { sha256Hex } from '../tokens.ts';
import { appAccessToken, ACCESS_TOKEN_LIFETIME_S } from './claims.ts';
import { checkAssertion } from './client-assertion.ts';
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
  // A disabled enterprise application (service principal accountEnabled false) gets no token (FIDELITY H18-11).
  if (!sp.accountEnabled)
    return fail(400, 'unauthorized_client', 7000112, AADSTS.appDisabled(clientId, app.displayName));
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
    const problem = await checkAssertion(rt, app, assertion, ctx, tenant);
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
