import { createHash, randomBytes, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { generateRsaKeyPairDer } from './key-pair-worker.ts';

/**
 * A key pair and self-signed X.509 certificate for one customer application (docs/decisions/010). Entra only needs
 * the public certificate; the private key leaves this function as PKCS#8 PEM for the vault and nowhere else.
 */
export interface GeneratedCertificate {
  /** PKCS#8 PEM of the RSA private key: seal it at once. */
  privateKeyPem: string;
  /** Base64 DER: Graph's `keyCredential.key`. */
  certificate: string;
  /** Hex SHA-256 of the DER: MSAL's `thumbprintSha256`, sent as `x5t#S256`. */
  thumbprintSha256: string;
  notBefore: Date;
  notAfter: Date;
}

const ALGORITHM = {
  name: 'RSASSA-PKCS1-v1_5',
  hash: 'SHA-256',
  publicExponent: new Uint8Array([1, 0, 1]),
  // Entra takes RSA 2048 or larger; 2048 keeps key generation near 100 ms on a small server.
  modulusLength: 2048,
} as const;

// Node's WebCrypto is the standard one; the cast only bridges the DOM `Crypto` type the library declares.
x509.cryptoProvider.set(webcrypto as never);

function pem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  return `-----BEGIN ${label}-----\n${b64.replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END ${label}-----\n`;
}

export async function generateCertificate(input: {
  /** The certificate's subject CN (the one naming source). */
  commonName: string;
  lifetimeDays: number;
  now: Date;
}): Promise<GeneratedCertificate> {
  // Made on a low-priority thread (key-pair-worker.ts), so a burst of rotations leaves the CPU to token vending.
  const der = await generateRsaKeyPairDer(ALGORITHM.modulusLength);
  const keys = {
    privateKey: await webcrypto.subtle.importKey('pkcs8', der.privateKey, ALGORITHM, true, ['sign']),
    publicKey: await webcrypto.subtle.importKey('spki', der.publicKey, ALGORITHM, true, ['verify']),
  };
  // Backdated a little: a clock slightly behind Entra's must not find the certificate "not yet valid".
  const notBefore = new Date(input.now.getTime() - 5 * 60_000);
  const notAfter = new Date(input.now.getTime() + input.lifetimeDays * 86_400_000);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomBytes(16)
      .toString('hex')
      .replace(/^[89a-f]/, '1'),
    name: `CN=${input.commonName.replace(/[,+"\\<>;=]/g, ' ')}`,
    notBefore,
    notAfter,
    keys,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    ],
  });
  const certDer = Buffer.from(cert.rawData);
  const privateKeyPem = pem('PRIVATE KEY', der.privateKey);
  return {
    privateKeyPem,
    certificate: certDer.toString('base64'),
    thumbprintSha256: createHash('sha256').update(certDer).digest('hex'),
    notBefore,
    notAfter,
  };
}
