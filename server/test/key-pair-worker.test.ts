import { createPrivateKey, createPublicKey, sign, verify, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateCertificate } from '../src/services/certificates.ts';
import { keyPairWorkerNices } from '../src/services/key-pair-worker.ts';

/**
 * Certificates' RSA key pairs are made on a worker thread at the lowest CPU priority (decision 012, ninth session):
 * a burst of rotations must leave the CPU to the event loop that answers token requests.
 */
describe('key pair worker', () => {
  it.runIf(process.platform === 'linux')('makes keys on threads of their own at nice 19', async () => {
    const nices = await keyPairWorkerNices();
    expect(nices.length).toBeGreaterThan(0);
    expect(nices.every((n) => n === 19)).toBe(true);
  });

  it('gives a private key that matches the certificate it made, sealed-ready as PKCS#8 PEM', async () => {
    const made = await generateCertificate({ commonName: 'Kantiv test', lifetimeDays: 30, now: new Date() });
    expect(made.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    const cert = new X509Certificate(Buffer.from(made.certificate, 'base64'));
    const key = createPrivateKey(made.privateKeyPem);
    expect(key.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(cert.checkPrivateKey(key)).toBe(true);
    expect(cert.verify(cert.publicKey)).toBe(true);
    const data = Buffer.from('proof');
    expect(
      verify(
        'sha256',
        data,
        createPublicKey(cert.publicKey.export({ type: 'spki', format: 'pem' })),
        sign('sha256', data, key),
      ),
    ).toBe(true);
    // Two certificates, two key pairs.
    const other = await generateCertificate({ commonName: 'Kantiv test', lifetimeDays: 30, now: new Date() });
    expect(other.privateKeyPem).not.toBe(made.privateKeyPem);
  });
});
