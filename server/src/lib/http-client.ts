import { lookup as dnsLookup } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { createSecureContext, rootCertificates } from 'node:tls';
import type { HostMapping } from '../config.ts';
import { type AddressGuard, type Resolve, systemResolve, toLookup } from './address-policy.ts';

export type HttpResponse = { status: number; headers: Record<string, string>; body: string };

export type HttpRequest = {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** The whole exchange (connect, headers and body) must end within this; a trickling answer is cut. */
  timeoutMs?: number;
};

export class RequestTimeout extends Error {
  constructor(host: string) {
    super(`request to ${host} timed out`);
    this.name = 'RequestTimeout';
  }
}

/**
 * A small HTTP(S) client for calls to Microsoft and webhook receivers. It exists so that one extra CA (the
 * emulator's, in tests and the demo) can be trusted per request, without disabling TLS verification anywhere and
 * without touching process-wide settings; so that every name is resolved by our own `resolve` (a seam tests fill
 * with their own answers); and, with a `guard`, so that a URL someone else chose can only reach public addresses,
 * checked when the socket connects. It never follows redirects.
 */
export function createHttpClient(
  options: {
    ca?: string | undefined;
    hostMap?: HostMapping[];
    maxBodyBytes?: number;
    resolve?: Resolve;
    guard?: AddressGuard;
  } = {},
) {
  // A guarded client opens a new connection (and so a new, checked lookup) for every request.
  const keepAlive = !options.guard;
  // One TLS context for every connection: given `ca` instead, Node parses the whole root store again for each new
  // socket (~80 ms of CPU on a loaded machine, measured by `pnpm bench fleet`).
  const httpsAgent = new https.Agent({
    keepAlive,
    ...(options.ca ? { secureContext: createSecureContext({ ca: withSystemRoots(options.ca) }) } : {}),
  });
  const httpAgent = new http.Agent({ keepAlive });
  const maxBody = options.maxBodyBytes ?? 4 * 1024 * 1024;
  const resolved = toLookup(options.resolve ?? systemResolve);

  const mappingOf = (hostname: string) =>
    options.hostMap?.find((m) =>
      m.pattern.startsWith('*.') ? hostname.endsWith(m.pattern.slice(1)) : m.pattern === hostname,
    );

  async function request(url: string, req: HttpRequest = {}): Promise<HttpResponse> {
    const target = new URL(url);
    const isHttps = target.protocol === 'https:';
    const mod = isHttps ? https : http;
    const mapped = mappingOf(target.hostname);
    // A mapped host keeps its real name for the connection (so SNI and the certificate check use it); only the
    // resolver answers with the mapped address, at connect time (decision 007). The map is development
    // configuration and is not guarded. An IP literal never reaches a `lookup` (Node connects to it directly), so
    // the guard checks it before the request exists.
    const host = target.hostname.replace(/^\[|\]$/g, '');
    if (!mapped && options.guard && isIP(host)) await options.guard.check(host);
    const where = {
      host,
      port: mapped?.port ?? (Number(target.port) || (isHttps ? 443 : 80)),
      lookup: mapped ? resolveTo(mapped.host) : (options.guard?.lookup ?? resolved),
    };
    return new Promise((resolve, reject) => {
      let settled = false;
      // An idle-socket timeout never fires for an answer that trickles a byte at a time: one deadline for it all.
      const deadline = setTimeout(() => {
        const err = new RequestTimeout(target.host);
        settle(() => reject(err));
        r.destroy(err);
      }, req.timeoutMs ?? 15_000);
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        fn();
      };
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
            const body = Buffer.concat(chunks).toString('utf8');
            settle(() => resolve({ status: res.statusCode ?? 0, headers, body }));
          });
          res.on('error', (err) => settle(() => reject(err)));
        },
      );
      r.on('error', (err) => settle(() => reject(err)));
      if (req.body !== undefined) r.write(req.body);
      r.end();
    });
  }

  return {
    request,
    /** Whether development configuration (MICROSOFT_HOST_MAP) sends this name somewhere; such names are not guarded. */
    isMapped: (hostname: string) => mappingOf(hostname) !== undefined,
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
