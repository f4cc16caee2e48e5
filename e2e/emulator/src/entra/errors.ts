import { randomUUID } from 'node:crypto';
import { json, type Reply } from '../http.ts';

/**
 * Entra's OAuth error body: `error`, an `error_description` that starts with the AADSTS code and ends with trace
 * and correlation ids and a timestamp, plus `error_codes`, `timestamp`, `trace_id`, `correlation_id`, `error_uri`.
 */
export function aadstsError(
  status: number,
  error: string,
  code: number,
  message: string,
  extra: Record<string, unknown> = {},
  correlationId: string = randomUUID(),
): Reply {
  const traceId = randomUUID();
  const timestamp = new Date()
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
  return json(status, {
    error,
    error_description: `AADSTS${code}: ${message} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
    error_codes: [code],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `https://login.microsoftonline.com/error?code=${code}`,
    ...extra,
  });
}

export const AADSTS = {
  tenantNotFound: (tenant: string) =>
    `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
  appNotFound: (appId: string, tenantName: string) =>
    `Application with identifier '${appId}' was not found in the directory '${tenantName}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
  invalidSecret: (appId: string) =>
    `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${appId}'.`,
  expiredSecret: (appId: string) =>
    `The provided client secret keys for app '${appId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.`,
  missingSp: (appId: string, tenantId: string) =>
    `The client application ${appId} is missing service principal in the tenant ${tenantId}. See instructions here: https://go.microsoft.com/fwlink/?linkid=2225119`,
  /** FIDELITY H18-11: the service principal's accountEnabled is false (Enterprise applications → Properties). */
  appDisabled: (appId: string, displayName: string) => `Application '${appId}'(${displayName}) is disabled.`,
  defaultScopeRequired: (scope: string) =>
    `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
  resourceNotFound: (resource: string, tenantName: string) =>
    `The resource principal named ${resource} was not found in the tenant named ${tenantName}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
  missingParameter: (name: string) => `The request body must contain the following parameter: '${name}'.`,
  redirectMismatch: (uri: string, appId: string) =>
    `The redirect URI '${uri}' specified in the request does not match the redirect URIs configured for the application '${appId}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this.`,
  spaRequiresOrigin: () =>
    `Tokens issued for the 'Single-Page Application' client-type may only be redeemed via cross-origin requests.`,
  crossOriginOnlySpa: (origin: string) =>
    `Cross-origin token redemption is permitted only for the 'Single-Page Application' client-type. Request origin: '${origin}'.`,
  codeRedeemed: () =>
    `OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.`,
  codeInvalid: () =>
    `The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.`,
  pkceMismatch: () =>
    `The code_verifier does not match the code_challenge supplied in the authorization request.`,
  multipleResources: (scope: string) =>
    `Provided value for the input parameter scope '${scope}' is not valid because it contains more than one resource. Scope ${scope} is not valid.`,
  mfaRequired: (resourceAppId: string) =>
    `Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '${resourceAppId}'.`,
  consentRequired: (clientId: string, name: string) =>
    `The user or administrator has not consented to use the application with ID '${clientId}' named '${name}'. Send an interactive authorization request for this user and resource.`,
  spaRefreshExpired: () =>
    `The refresh token was issued to a single page app (SPA), and therefore has a fixed, limited lifetime of 1.00:00:00, which cannot be extended. It is now expired and a new sign in request must be sent by the SPA to the sign in page.`,
  badRefreshToken: () => `Invalid request. Request is malformed or invalid.`,
  unsupportedGrant: (grant: string) =>
    `The provided request must include a 'grant_type' input parameter. Unsupported grant_type '${grant}'.`,
  noTenant: () =>
    `No tenant-identifying information found in either the request or implied by any provided credentials.`,
  assertionSignature: () =>
    `Client assertion failed signature validation. [Reason - Key was found, but use of the key to verify the signature failed.]`,
  assertionCertUnknown: (appId: string, thumbprint: string) =>
    `The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '${thumbprint}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${appId}'.]`,
  assertionExpired: (now: string, nbf: string, exp: string) =>
    `Client assertion is not within its valid time range. Current time: ${now}, assertion valid from ${nbf}, expiry time of assertion ${exp}. Review the documentation at https://docs.microsoft.com/azure/active-directory/develop/active-directory-certificate-credentials .`,
  assertionIssuer: () => `Client assertion application identifier doesn't match 'client_id' parameter.`,
  assertionAudience: (aud: string) => `The audience '${aud}' is invalid.`,
  invalidClientAuth: () =>
    `The request body must contain the following parameter: 'client_assertion' or 'client_secret'.`,
  loginRequired: () => `User login is required.`,
  interactionConsent: (clientId: string, name: string) =>
    `The user or administrator has not consented to use the application with ID '${clientId}' named '${name}'. Send an interactive authorization request for this user and resource.`,
  declined: () => `The user has declined to consent to access the app.`,
  adminApproval: () => `The grant requires admin permission.`,
  invalidScope: (scope: string, appName: string) =>
    `The application '${appName}' asked for scope '${scope}' that doesn't exist on the resource. Contact the app vendor.`,
} as const;
