import { createHash, randomBytes } from 'node:crypto';
import { SignJWT, importPKCS8 } from 'jose';
import { generate } from 'selfsigned';

/** A self-signed RSA certificate (DER as base64, as Graph takes `key`) with its private key. */
export interface TestCert {
  der: Buffer;
  key: string;
  privateKeyPem: string;
  x5t: string;
  x5tS256: string;
}

export async function makeCert(cn: string, days = 365, start = new Date()): Promise<TestCert> {
  const cert = await generate([{ name: 'commonName', value: cn }], {
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate: start,
    notAfterDate: new Date(start.getTime() + days * 86400_000),
  });
  const der = Buffer.from(cert.cert.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  return {
    der,
    key: der.toString('base64'),
    privateKeyPem: cert.private,
    x5t: createHash('sha1').update(der).digest('base64url'),
    x5tS256: createHash('sha256').update(der).digest('base64url'),
  };
}

/** The keyCredential a client sends to add `cert`. */
export const keyCredential = (cert: TestCert, displayName = 'CN=test') => ({
  type: 'AsymmetricX509Cert',
  usage: 'Verify',
  key: cert.key,
  displayName,
});

interface SignOptions {
  /** Seconds since the epoch that count as "now" for the signer (the emulator's moved clock). */
  now?: number;
  lifetimeS?: number;
  header?: 'x5t' | 'x5t#S256' | 'none';
  /** Sign with this certificate's key but name `headerCert` in the header. */
  headerCert?: TestCert;
}

async function sign(cert: TestCert, claims: Record<string, unknown>, o: SignOptions): Promise<string> {
  const key = await importPKCS8(cert.privateKeyPem, 'RS256');
  const named = o.headerCert ?? cert;
  const header =
    o.header === 'none' ? {} : o.header === 'x5t' ? { x5t: named.x5t } : { 'x5t#S256': named.x5tS256 };
  const now = o.now ?? Math.floor(Date.now() / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', ...header })
    .setNotBefore(now)
    .setIssuedAt(now)
    .setExpirationTime(now + (o.lifetimeS ?? 600))
    .sign(key);
}

/** A client assertion (RFC 7523) for the token endpoint `aud`. */
export const clientAssertion = (cert: TestCert, appId: string, aud: string, o: SignOptions = {}) =>
  sign(cert, { iss: appId, sub: appId, aud, jti: randomBytes(8).toString('hex') }, o);

/** An addKey/removeKey proof of possession for the application object `objectId`. */
export const proofOfPossession = (cert: TestCert, objectId: string, o: SignOptions & { aud?: string } = {}) =>
  sign(cert, { aud: o.aud ?? '00000002-0000-0000-c000-000000000000', iss: objectId }, o);
