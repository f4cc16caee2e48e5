import { tenantSegmentKind, type Runtime } from '../core.ts';
import { json, type Ctx, type Reply } from '../http.ts';
import { AADSTS, aadstsError } from './errors.ts';

/**
 * OpenID configuration per tenant segment. A specific tenant (GUID or verified domain) answers with its GUID in
 * every endpoint and in `issuer`, as Entra does; `organizations`/`common` keep the segment and the literal
 * `{tenantid}` issuer template. The host is the one the caller used, so `issuer` always matches the authority.
 */
export function openIdConfiguration(rt: Runtime, ctx: Ctx, segment: string, v2: boolean): Reply {
  const kind = tenantSegmentKind(segment);
  let path = segment;
  let issuerTenant = '{tenantid}';
  let region: string | null = null;
  if (kind === 'tenant') {
    const tenant = rt.tenant(segment);
    if (!tenant) return aadstsError(400, 'invalid_tenant', 90002, AADSTS.tenantNotFound(segment));
    path = tenant.id;
    issuerTenant = tenant.id;
    region = 'NA';
  }
  const base = `${ctx.base}/${path}`;
  if (!v2) {
    // v1 metadata: issuer is sts.windows.net and endpoints have no /v2.0 segment.
    return json(200, {
      token_endpoint: `${base}/oauth2/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${ctx.base}/common/discovery/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'token id_token', 'token'],
      scopes_supported: ['openid'],
      issuer: `https://sts.windows.net/${issuerTenant}/`,
      microsoft_multi_refresh_token: true,
      authorization_endpoint: `${base}/oauth2/authorize`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${base}/oauth2/logout`,
      tenant_region_scope: region,
      cloud_instance_name: 'microsoftonline.com',
      cloud_graph_host_name: 'graph.windows.net',
      msgraph_host: 'graph.microsoft.com',
      rbac_url: 'https://pas.windows.net',
    });
  }
  return json(
    200,
    {
      token_endpoint: `${base}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${base}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: `${ctx.origin}/${issuerTenant}/v2.0`,
      request_uri_parameter_supported: false,
      userinfo_endpoint: 'https://graph.microsoft.com/oidc/userinfo',
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      claims_supported: [
        'sub',
        'iss',
        'cloud_instance_name',
        'cloud_instance_host_name',
        'cloud_graph_host_name',
        'msgraph_host',
        'aud',
        'exp',
        'iat',
        'auth_time',
        'acr',
        'nonce',
        'preferred_username',
        'name',
        'tid',
        'ver',
        'at_hash',
        'c_hash',
        'email',
      ],
      kerberos_endpoint: `${base}/kerberos`,
      tenant_region_scope: region,
      cloud_instance_name: 'microsoftonline.com',
      cloud_graph_host_name: 'graph.windows.net',
      msgraph_host: 'graph.microsoft.com',
      rbac_url: 'https://pas.windows.net',
    },
    { 'cache-control': 'max-age=86400, private' },
  );
}

export function jwks(rt: Runtime): Reply {
  return json(200, {
    keys: [{ ...rt.keys.jwk, issuer: 'https://login.microsoftonline.com/{tenantid}/v2.0' }],
  });
}

/**
 * Instance discovery (`/common/discovery/instance?api-version=1.1&authorization_endpoint=…`). For the real host it
 * returns Microsoft's alias set; for any other host it vouches for that host alone.
 */
export function instanceDiscovery(ctx: Ctx): Reply {
  const endpoint = ctx.url.searchParams.get('authorization_endpoint');
  if (!endpoint) {
    return aadstsError(400, 'invalid_request', 50049, 'Unknown or invalid instance.');
  }
  let authorityHost: string;
  let tenant = 'common';
  try {
    const u = new URL(endpoint);
    authorityHost = u.host;
    tenant = u.pathname.split('/').filter(Boolean)[0] ?? 'common';
  } catch {
    return aadstsError(400, 'invalid_instance', 50049, 'Unknown or invalid instance.');
  }
  const microsoft = [
    'login.microsoftonline.com',
    'login.windows.net',
    'login.microsoft.com',
    'sts.windows.net',
  ];
  const metadata = microsoft.includes(authorityHost)
    ? [
        {
          preferred_network: 'login.microsoftonline.com',
          preferred_cache: 'login.windows.net',
          aliases: microsoft,
        },
      ]
    : [{ preferred_network: authorityHost, preferred_cache: authorityHost, aliases: [authorityHost] }];
  return json(200, {
    tenant_discovery_endpoint: `https://${authorityHost}/${tenant}/v2.0/.well-known/openid-configuration`,
    'api-version': '1.1',
    metadata,
  });
}
