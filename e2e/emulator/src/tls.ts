import { generate } from 'selfsigned';
import { MICROSOFT_HOSTS } from './hosts.ts';

export interface TlsMaterial {
  key: string;
  cert: string;
}

/**
 * A throwaway self-signed certificate made at start-up (never written to disk or committed). Its SANs cover the
 * Microsoft hosts and every Dataverse org host, so a browser using host mapping sees a matching name, and Node
 * clients can trust it by passing `cert` as their `ca`.
 */
export async function createTlsMaterial(extraHosts: readonly string[]): Promise<TlsMaterial> {
  const dnsNames = ['localhost', ...MICROSOFT_HOSTS, ...extraHosts];
  const unique = [...new Set(dnsNames)];
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 30 * 24 * 3600 * 1000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          ...unique.map((value) => ({ type: 2 as const, value })),
          { type: 7 as const, ip: '127.0.0.1' },
          { type: 7 as const, ip: '::1' },
        ],
      },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}
