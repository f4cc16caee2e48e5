import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';

/**
 * Our own test identity provider: one RS256 key pair, its JWKS served over local HTTP at the Entra-shaped path
 * `/<tenant>/discovery/v2.0/keys`. It signs staff access tokens and customer admins' ID tokens the way Entra
 * would (issuer `<authority>/<tid>/v2.0`), so the server verifies them with its real code path.
 */
export async function startIssuer() {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'test-key-1', alg: 'RS256', use: 'sig' };
  const other = await generateKeyPair('RS256');
  /** Verified domain → tenant id, for the per-domain OpenID configuration. */
  const domains = new Map<string, string>();
  const metadataRequests: string[] = [];
  const server = http.createServer((req, res) => {
    if (req.url?.endsWith('/discovery/v2.0/keys')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [jwk] }));
      return;
    }
    const metadata = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(req.url ?? '');
    if (metadata?.[1]) {
      const segment = decodeURIComponent(metadata[1]).toLowerCase();
      metadataRequests.push(segment);
      const tid = domains.get(segment);
      // Entra's answers: the tenant's document (its id in issuer and endpoints), or 400 invalid_tenant (AADSTS90002).
      if (tid) {
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
        res.end(
          JSON.stringify({
            token_endpoint: `${authority}/${tid}/oauth2/v2.0/token`,
            jwks_uri: `${authority}/${tid}/discovery/v2.0/keys`,
            issuer: `${authority}/${tid}/v2.0`,
            authorization_endpoint: `${authority}/${tid}/oauth2/v2.0/authorize`,
          }),
        );
      } else {
        res.writeHead(400, { 'content-type': 'application/json; charset=utf-8' });
        res.end(
          JSON.stringify({
            error: 'invalid_tenant',
            error_description: `AADSTS90002: Tenant '${segment}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
            error_codes: [90002],
          }),
        );
      }
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const authority = `http://127.0.0.1:${port}`;
  const staffTenant = randomUUID();
  const staffAudience = 'api://kantiv-connect-test';
  const wizardClientId = randomUUID();

  async function sign(
    claims: Record<string, unknown>,
    opts: { issuer: string; audience: string; expiresIn?: string; wrongKey?: boolean; issuedAt?: number },
  ) {
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'test-key-1', typ: 'JWT' })
      .setIssuer(opts.issuer)
      .setAudience(opts.audience)
      .setIssuedAt(opts.issuedAt)
      .setExpirationTime(opts.expiresIn ?? '1h')
      .sign(opts.wrongKey ? other.privateKey : privateKey);
  }

  return {
    authority,
    staffTenant,
    staffAudience,
    wizardClientId,
    /** Makes `domain` a verified domain of `tenantId` in the OpenID configuration this issuer serves. */
    addDomain(domain: string, tenantId: string) {
      domains.set(domain.toLowerCase(), tenantId);
    },
    /** The tenant segments asked for OpenID configuration, in order. */
    metadataRequests,
    env: {
      MICROSOFT_AUTHORITY_HOST: authority,
      WIZARD_CLIENT_ID: wizardClientId,
      STAFF_TENANT_ID: staffTenant,
      STAFF_API_AUDIENCE: staffAudience,
    },
    staffToken(roles: string[], extra: { expiresIn?: string; wrongKey?: boolean; audience?: string } = {}) {
      return sign(
        {
          roles,
          oid: randomUUID(),
          name: 'Support Person',
          preferred_username: 'support.person@kantiv.example',
          tid: staffTenant,
        },
        { issuer: `${authority}/${staffTenant}/v2.0`, audience: extra.audience ?? staffAudience, ...extra },
      );
    },
    idToken(
      tenantId: string,
      username: string,
      extra: {
        audience?: string;
        issuerTenant?: string;
        wrongKey?: boolean;
        /** The sign-in request's nonce, echoed as Entra does (omitted: no nonce claim). */
        nonce?: string;
        /** `iat` in seconds since the epoch (default: now). */
        issuedAt?: number;
        email?: string;
      } = {},
    ) {
      return sign(
        {
          tid: tenantId,
          preferred_username: username,
          name: 'Customer Admin',
          oid: randomUUID(),
          ver: '2.0',
          ...(extra.nonce ? { nonce: extra.nonce } : {}),
          ...(extra.email ? { email: extra.email } : {}),
        },
        {
          issuer: `${authority}/${extra.issuerTenant ?? tenantId}/v2.0`,
          audience: extra.audience ?? wizardClientId,
          ...(extra.wrongKey ? { wrongKey: true } : {}),
          ...(extra.issuedAt !== undefined ? { issuedAt: extra.issuedAt } : {}),
        },
      );
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
export type Issuer = Awaited<ReturnType<typeof startIssuer>>;
