import { createHash, randomBytes } from 'node:crypto';
import {
  SignJWT,
  exportJWK,
  generateKeyPair,
  jwtVerify,
  decodeProtectedHeader,
  type JWK,
  type JWTPayload,
  type CryptoKey,
} from 'jose';

/**
 * Token signing. One RS256 key per emulator run, published at the JWKS endpoint with a `kid`, so resource servers
 * (ours and the emulated Graph/Dataverse) verify tokens exactly as they would against Entra.
 */
export interface SigningKeys {
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  jwk: JWK;
}

export async function createSigningKeys(): Promise<SigningKeys> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', {
    modulusLength: 2048,
    extractable: true,
  });
  const jwk = await exportJWK(publicKey);
  const kid = createHash('sha256').update(JSON.stringify(jwk)).digest('base64url').slice(0, 27);
  // Entra's JWKS entries carry x5t/x5c too; kid + n/e are what jose/MSAL/Microsoft.IdentityModel use.
  return { kid, privateKey, publicKey, jwk: { ...jwk, kid, use: 'sig', alg: 'RS256', kty: 'RSA' } };
}

export async function sign(keys: SigningKeys, claims: JWTPayload, typ = 'JWT'): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ, kid: keys.kid }).sign(keys.privateKey);
}

export interface VerifiedToken {
  claims: JWTPayload & Record<string, unknown>;
}

/** Verifies signature, expiry and audience; returns null (not an exception) so callers can answer like the service. */
export async function verify(
  keys: SigningKeys,
  token: string,
  audiences: string[],
): Promise<VerifiedToken | null> {
  try {
    const header = decodeProtectedHeader(token);
    if (header.kid !== keys.kid) return null;
    const { payload } = await jwtVerify(token, keys.publicKey, { audience: audiences, clockTolerance: 300 });
    return { claims: payload };
  } catch {
    return null;
  }
}

/** Entra-like opaque identifiers (`uti`, `aio`, `rh`, …): base64url noise of a plausible length. */
export function opaque(bytes = 16): string {
  return randomBytes(bytes).toString('base64url');
}

/** Pairwise `sub`: stable per (user, client app), different across apps, as Entra issues it. */
export function pairwiseSub(oid: string, clientId: string): string {
  return createHash('sha256').update(`${oid}:${clientId}`).digest('base64url').slice(0, 43);
}

export function base64url(value: string): string {
  return Buffer.from(value, 'utf8').toString('base64url');
}

export function sha256Base64url(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** A string claim, or '' when absent or not a string. */
export function claim(claims: Record<string, unknown>, name: string): string {
  const v = claims[name];
  return typeof v === 'string' ? v : '';
}
