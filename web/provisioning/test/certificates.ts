import { createHash } from 'node:crypto';
import type { CertificateRequest, CertificateResponse } from '@kantiv/shared/credentials';
import { generate } from 'selfsigned';

/**
 * Our server's certificate endpoint as the engine sees it: a fresh key pair and self-signed certificate per call,
 * the private key kept here (as the server seals it) and only public material answered.
 */
export interface CertificateServer {
  certificate: (req: CertificateRequest) => Promise<CertificateResponse>;
  requests: CertificateRequest[];
  made: (CertificateResponse & { privateKeyPem: string })[];
}

export function certificateServer(): CertificateServer {
  const s: CertificateServer = {
    requests: [],
    made: [],
    certificate: async (req) => {
      s.requests.push(req);
      const now = Date.now();
      const notBefore = new Date(now - 5 * 60_000);
      const notAfter = new Date(now + req.lifetimeDays * 86_400_000);
      const pems = await generate([{ name: 'commonName', value: 'Kantiv certificate' }], {
        keySize: 2048,
        algorithm: 'sha256',
        notBeforeDate: notBefore,
        notAfterDate: notAfter,
      });
      const der = Buffer.from(pems.cert.replace(/-----[^-]+-----|\s/g, ''), 'base64');
      const made = {
        keyId: crypto.randomUUID(),
        certificate: der.toString('base64'),
        thumbprintSha256: createHash('sha256').update(der).digest('hex'),
        notBefore: notBefore.toISOString(),
        notAfter: notAfter.toISOString(),
      };
      s.made.push({ ...made, privateKeyPem: pems.private });
      return made;
    },
  };
  return s;
}
