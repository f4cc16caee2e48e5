import { createLocalJWKSet, decodeJwt, errors, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';
import type { StaffRole } from '@kantiv/shared/auth';
import type { Config } from '../config.ts';
import type { HttpClient } from '../lib/http-client.ts';

export class TokenRejected extends Error {
  constructor(
    message: string,
    /** `stale`: a valid token older than the binding accepts (sign in again); otherwise forged or malformed. */
    readonly reason: 'invalid' | 'stale' = 'invalid',
  ) {
    super(message);
  }
}

/**
 * How old (from `iat`) an ID token may be when it binds a setup, with 2 minutes of clock tolerance: the wizard
 * hands it over right after sign-in, so an older one is a replay or a forgotten tab, and is refused.
 */
export const ID_TOKEN_MAX_AGE_SECONDS = 600;

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

export type StaffCaller = {
  subject: string;
  name: string | undefined;
  /** `email`, else `preferred_username` when it looks like one (Entra's sign-in name): shown in the audit log. */
  email?: string | undefined;
  roles: StaffRole[];
};

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
    const email = [payload.email, payload.preferred_username].find(
      (v): v is string => typeof v === 'string' && v.includes('@'),
    );
    return {
      subject: typeof payload.oid === 'string' ? payload.oid : (payload.sub ?? 'unknown'),
      name,
      email,
      roles,
    };
  };
}

export type AdminIdentity = {
  tenantId: string;
  username: string;
  name: string | undefined;
  objectId: string | undefined;
  /** The sign-in request's nonce, echoed by Entra; the caller compares it with the setup's. */
  nonce: string | undefined;
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
        maxTokenAge: ID_TOKEN_MAX_AGE_SECONDS,
        requiredClaims: ['iat', 'nonce'],
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
        nonce: typeof payload.nonce === 'string' ? payload.nonce : undefined,
      };
    } catch (err) {
      if (err instanceof KeysUnavailable) throw err;
      if (err instanceof errors.JWTExpired && err.claim === 'iat')
        throw new TokenRejected('id token too old', 'stale');
      throw new TokenRejected('id token rejected');
    }
  };
}
