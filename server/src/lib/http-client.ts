import { lookup as dnsLookup } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { rootCertificates } from 'node:tls';
import type { HostMapping } from '../config.ts';

export type HttpResponse = { status: number; headers: Record<string, string>; body: string };

export type HttpRequest = {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  timeoutMs?: number;
};

/**
 * A small HTTP(S) client for calls to Microsoft (and webhook receivers). It exists so that one extra CA (the
 * emulator's, in tests and the demo) can be trusted per request, without disabling TLS verification anywhere and
 * without touching process-wide settings.
 */
export function createHttpClient(
  options: { ca?: string | undefined; hostMap?: HostMapping[]; maxBodyBytes?: number } = {},
) {
  const httpsAgent = new https.Agent({
    keepAlive: true,
    ...(options.ca ? { ca: withSystemRoots(options.ca) } : {}),
  });
  const httpAgent = new http.Agent({ keepAlive: true });
  const maxBody = options.maxBodyBytes ?? 4 * 1024 * 1024;

  function request(url: string, req: HttpRequest = {}): Promise<HttpResponse> {
    const target = new URL(url);
    const isHttps = target.protocol === 'https:';
    const mod = isHttps ? https : http;
    const mapped = options.hostMap?.find((m) =>
      m.pattern.startsWith('*.')
        ? target.hostname.endsWith(m.pattern.slice(1))
        : m.pattern === target.hostname,
    );
    // A mapped host keeps its real name for the connection (so SNI and the certificate check use it); only the
    // resolver answers with the mapped address, at connect time (decision 007).
    const where = {
      host: target.hostname,
      port: mapped?.port ?? (Number(target.port) || (isHttps ? 443 : 80)),
      ...(mapped ? { lookup: resolveTo(mapped.host) } : {}),
    };
    return new Promise((resolve, reject) => {
      const r = mod.request(
        {
          ...where,
          path: target.pathname + target.search,
          method: req.method ?? 'GET',
          headers: {
            host: target.host,
            ...(req.body !== undefined ? { 'content-length': Buffer.byteLength(req.body).toString() } : {}),
            ...req.headers,
          },
          agent: isHttps ? httpsAgent : httpAgent,
          timeout: req.timeoutMs ?? 15_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size <= maxBody) chunks.push(c);
          });
          res.on('end', () => {
            const headers: Record<string, string> = {};
            for (const [k, v] of Object.entries(res.headers)) {
              if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
            }
            resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString('utf8') });
          });
          res.on('error', reject);
        },
      );
      r.on('timeout', () => r.destroy(new Error(`request to ${target.host} timed out`)));
      r.on('error', reject);
      if (req.body !== undefined) r.write(req.body);
      r.end();
    });
  }

  return {
    request,
    close() {
      httpsAgent.destroy();
      httpAgent.destroy();
    },
  };
}
export type HttpClient = ReturnType<typeof createHttpClient>;

/** `ca` replaces Node's default roots, so add them back: the extra CA is trusted in addition, not instead. */
function withSystemRoots(extra: string): string[] {
  return [...rootCertificates, extra];
}

/** A resolver that answers every name with `address` (or with what `address` itself resolves to, if it is a name). */
function resolveTo(address: string): LookupFunction {
  const family = isIP(address);
  return (_hostname, options, callback) => {
    if (family === 0) dnsLookup(address, options, callback);
    else if (options.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  };
}
