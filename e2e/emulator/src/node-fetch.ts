import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { isMicrosoftHost } from './hosts.ts';

/**
 * Resolves every name to the loopback address the emulator listens on. The connection keeps the real host name, so
 * SNI and the certificate check use it (the emulator's certificate names the Microsoft hosts) — the same resolver
 * seam as the server's MICROSOFT_HOST_MAP (decision 007).
 */
const toLoopback: LookupFunction = (_hostname, options, callback) => {
  if (options.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
  else callback(null, '127.0.0.1', 4);
};

function isEmulatedHost(hostname: string): boolean {
  return isMicrosoftHost(hostname) || hostname === 'localhost' || hostname === '127.0.0.1';
}

/**
 * `fetch` for Node clients in tests: Microsoft hosts and localhost go to the emulator on `port`, trusting its
 * certificate `ca`, so production URLs work unchanged. Other URLs go to the global fetch.
 */
export function createEmulatorFetch(port: number, ca: string): typeof fetch {
  return async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    if (url.protocol !== 'https:' || !isEmulatedHost(url.hostname)) return fetch(request);
    const body = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
    const headers: Record<string, string> = {};
    request.headers.forEach((v, k) => (headers[k] = v));
    const local = url.hostname === 'localhost' || url.hostname === '127.0.0.1';
    headers.host = local ? `${url.hostname}:${port}` : url.port ? url.host : url.hostname;
    return new Promise<Response>((resolve, reject) => {
      const req = httpsRequest(
        {
          host: url.hostname,
          port,
          lookup: toLoopback,
          method: request.method,
          path: url.pathname + url.search,
          headers,
          ca,
          // SNI cannot carry an IP address; the certificate names localhost.
          servername: url.hostname === '127.0.0.1' ? 'localhost' : url.hostname,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const h = new Headers();
            for (const [k, v] of Object.entries(res.headers)) {
              if (Array.isArray(v)) v.forEach((x) => h.append(k, x));
              else if (v !== undefined) h.set(k, v);
            }
            const status = res.statusCode ?? 500;
            const nullBody = [101, 204, 205, 304].includes(status);
            resolve(new Response(nullBody ? null : Buffer.concat(chunks), { status, headers: h }));
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      if (request.signal) request.signal.addEventListener('abort', () => req.destroy(new Error('aborted')));
      req.end(body);
    });
  };
}
