import { X509Certificate } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, importX509, jwtVerify } from 'jose';
import type { Runtime } from '../core.ts';
import type { Ctx } from '../http.ts';
import type { Application, KeyCredential, Tenant } from '../state.ts';
import { thumbprints } from '../graph/key-credentials.ts';
import { AADSTS } from './errors.ts';

export interface AssertionProblem {
  code: number;
  message: string;
}

/**
 * A certificate client assertion (RFC 7523) checked as Entra does: the certificate named by `x5t#S256` or `x5t`
 * must be on the application and replicated (else AADSTS700027 "key was not found"), unexpired, the signature must
 * hold (AADSTS700027), `exp`/`nbf` must bracket now with five minutes of skew (AADSTS700024), `iss` and `sub` must
 * be the client id (AADSTS700021) and `aud` the tenant's token endpoint (AADSTS700212).
 */
export async function checkAssertion(
  rt: Runtime,
  app: Application,
  assertion: string,
  ctx: Ctx,
  tenant: Tenant,
): Promise<AssertionProblem | null> {
  let x5t: string | undefined;
  let x5tS256: string | undefined;
  let alg: string;
  try {
    const h = decodeProtectedHeader(assertion);
    x5t = typeof h.x5t === 'string' ? h.x5t : undefined;
    x5tS256 = typeof h['x5t#S256'] === 'string' ? h['x5t#S256'] : undefined;
    alg = h.alg ?? 'RS256';
    decodeJwt(assertion);
  } catch {
    return { code: 50027, message: 'Invalid JWT token. The token is malformed.' };
  }
  const named = (k: KeyCredential) => {
    const t = thumbprints(k);
    return (x5tS256 !== undefined && t.x5tS256 === x5tS256) || (x5t !== undefined && t.x5t === x5t);
  };
  // A certificate still replicating is unknown to the token service, exactly like one never added.
  const cred = app.keyCredentials.find((k) => named(k) && rt.now() >= k.usableAt);
  if (!cred)
    return { code: 700027, message: AADSTS.assertionCertUnknown(app.appId, clientThumbprint(x5t, x5tS256)) };
  if (Date.parse(cred.endDateTime) <= rt.now()) {
    return {
      code: 700027,
      message: 'Client assertion contains an invalid signature. [Reason - The key used is expired.]',
    };
  }
  try {
    const pem = new X509Certificate(Buffer.from(cred.key, 'base64')).toString();
    const key = await importX509(pem, alg);
    const { payload } = await jwtVerify(assertion, key, {
      // JWT times stay on real time (the signer's clock, e.g. MSAL's); only credential lifetimes follow the moved
      // clock (advanceClock), so a test can age a certificate while real clients keep signing.
      clockTolerance: 300,
      requiredClaims: ['exp'],
    });
    if (payload.iss !== app.appId || payload.sub !== app.appId) {
      return { code: 700021, message: AADSTS.assertionIssuer() };
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
  } catch (e) {
    const code = e && typeof e === 'object' && 'code' in e ? String(e.code) : '';
    return code === 'ERR_JWT_EXPIRED' ||
      (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED' && /nbf|exp/.test(String(e)))
      ? { code: 700024, message: timeRange(assertion) }
      : { code: 700027, message: AADSTS.assertionSignature() };
  }
  return null;
}

/** Entra names the key the client used by its hex SHA-1 thumbprint when it has one (from `x5t`). */
function clientThumbprint(x5t: string | undefined, x5tS256: string | undefined): string {
  if (x5t) return Buffer.from(x5t, 'base64url').toString('hex').toUpperCase();
  if (x5tS256) return Buffer.from(x5tS256, 'base64url').toString('hex').toUpperCase();
  return 'unknown';
}

/** Entra's own wording: times with seven fractional digits, a missing claim as the epoch. */
function timeRange(assertion: string): string {
  const t = (ms: number) => new Date(ms).toISOString().replace(/Z$/, '0000Z');
  const claims = decodeJwt(assertion);
  return AADSTS.assertionExpired(t(Date.now()), t((claims.nbf ?? 0) * 1000), t((claims.exp ?? 0) * 1000));
}
