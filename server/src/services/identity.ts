import { createLocalJWKSet, decodeJwt, errors, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';
import type { StaffRole } from '@kantiv/shared/auth';
import type { Config } from '../config.ts';
import type { HttpClient } from '../lib/http-client.ts';

export class TokenRejected extends Error {}

/**
 * The signing keys could not be fetched: our problem (or the identity provider's), never the caller's. Kept apart
 * from TokenRejected so it answers 503 and is never counted as a failed sign-in (which would lock out every caller
 * at the address, API keys included, while the key endpoint is down).
 */
export class KeysUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeysUnavailable';
  }
}

/**
 * A JWKS fetched over our own HTTP client (so the emulator's CA can be trusted) and cached; an unknown `kid`
 * triggers one refetch (key rollover), at most every 30 seconds.
 */
export function createJwksResolver(url: string, http: HttpClient) {
  let jwks: ReturnType<typeof createLocalJWKSet> | undefined;
  let fetchedAt = 0;

  async function refresh(): Promise<void> {
    try {
      const res = await http.request(url, { timeoutMs: 10_000 });
      if (res.status !== 200) throw new Error(`JWKS ${url} answered ${res.status}`);
      jwks = createLocalJWKSet(JSON.parse(res.body) as JSONWebKeySet);
      fetchedAt = Date.now();
    } catch (err) {
      throw new KeysUnavailable(`keys at ${url} unavailable: ${(err as Error).message}`);
    }
  }

  return async (
    header: Parameters<ReturnType<typeof createLocalJWKSet>>[0],
    token: Parameters<ReturnType<typeof createLocalJWKSet>>[1],
  ) => {
    if (!jwks || Date.now() - fetchedAt > 3_600_000) await refresh();
    try {
      return await jwks!(header, token);
    } catch (err) {
      if (err instanceof errors.JWKSNoMatchingKey && Date.now() - fetchedAt > 30_000) {
        await refresh();
        return jwks!(header, token);
      }
      throw err;
    }
  };
}

export type StaffCaller = { subject: string; name: string | undefined; roles: StaffRole[] };

const looksLikeJwt = (t: string) => /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(t);

/** Kantiv staff: access tokens for our API from Kantiv's identity provider; roles from the `roles` claim. */
export function createStaffVerifier(config: Config['staff'], http: HttpClient) {
  const keys = createJwksResolver(config.jwksUrl, http);
  return async (token: string): Promise<StaffCaller> => {
    if (!looksLikeJwt(token)) throw new TokenRejected('not a JWT');
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer: config.issuers,
        audience: config.audiences,
        algorithms: ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384'],
        clockTolerance: 60,
      }));
    } catch (err) {
      if (err instanceof KeysUnavailable) throw err;
      throw new TokenRejected('staff token rejected');
    }
    const claimed: unknown[] = Array.isArray(payload.roles) ? payload.roles : [];
    // The identity provider's role values are configuration; inside the server they are our two StaffRoles.
    const roles: StaffRole[] = [];
    if (claimed.some((r) => typeof r === 'string' && config.manageRoles.includes(r)))
      roles.push('Connect.Manage');
    if (claimed.some((r) => typeof r === 'string' && config.readRoles.includes(r)))
      roles.push('Connect.Read');
    const name =
      typeof payload.name === 'string'
        ? payload.name
        : typeof payload.preferred_username === 'string'
          ? payload.preferred_username
          : undefined;
    return {
      subject: typeof payload.oid === 'string' ? payload.oid : (payload.sub ?? 'unknown'),
      name,
      roles,
    };
  };
}

export type AdminIdentity = {
  tenantId: string;
  username: string;
  name: string | undefined;
  objectId: string | undefined;
};

/**
 * The customer admin's Microsoft ID token (audience: our wizard app). The issuer depends on the admin's tenant,
 * so it is read from the unverified `tid` first and then enforced by the signature check: `<authority>/<tid>/v2.0`.
 */
export function createIdTokenVerifier(config: Config['microsoft'], http: HttpClient) {
  const keys = createJwksResolver(config.jwksUrl, http);
  return async (idToken: string): Promise<AdminIdentity> => {
    if (!looksLikeJwt(idToken)) throw new TokenRejected('not a JWT');
    let tid: unknown;
    try {
      tid = decodeJwt(idToken).tid;
    } catch {
      throw new TokenRejected('unreadable token');
    }
    if (typeof tid !== 'string' || !/^[0-9a-f-]{36}$/i.test(tid))
      throw new TokenRejected('token has no tenant');
    try {
      const { payload } = await jwtVerify(idToken, keys, {
        issuer: `${config.authorityHost}/${tid}/v2.0`,
        audience: config.wizardClientId,
        algorithms: ['RS256'],
        clockTolerance: 120,
      });
      const username =
        typeof payload.preferred_username === 'string'
          ? payload.preferred_username
          : typeof payload.upn === 'string'
            ? payload.upn
            : typeof payload.email === 'string'
              ? payload.email
              : 'unknown';
      return {
        tenantId: tid.toLowerCase(),
        username,
        name: typeof payload.name === 'string' ? payload.name : undefined,
        objectId: typeof payload.oid === 'string' ? payload.oid : undefined,
      };
    } catch (err) {
      if (err instanceof KeysUnavailable) throw err;
      throw new TokenRejected('id token rejected');
    }
  };
}

/**
 * The tenant that owns a verified domain, from Entra's OpenID metadata (`<authority>/<domain>/v2.0/...`): its
 * issuer carries the tenant id. A guest (B2B) admin's ID token names them by their home address, so their tenant is
 * proven by `tid` against this, not by the address's domain. Cached per domain; undefined when Entra does not know it.
 */
export function createTenantOfDomain(config: Config['microsoft'], http: HttpClient) {
  const known = new Map<string, string>();
  return async (domain: string): Promise<string | undefined> => {
    const key = domain.toLowerCase();
    const cached = known.get(key);
    if (cached) return cached;
    try {
      const res = await http.request(
        `${config.authorityHost}/${encodeURIComponent(key)}/v2.0/.well-known/openid-configuration`,
        { timeoutMs: 10_000 },
      );
      if (res.status !== 200) return undefined;
      const issuer = (JSON.parse(res.body) as { issuer?: unknown }).issuer;
      const tid = typeof issuer === 'string' ? /\/([0-9a-f-]{36})\/v2\.0$/i.exec(issuer)?.[1] : undefined;
      if (tid) known.set(key, tid.toLowerCase());
      return tid?.toLowerCase();
    } catch {
      return undefined;
    }
  };
}
