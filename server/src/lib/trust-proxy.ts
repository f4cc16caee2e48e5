import { isIP } from 'node:net';

/**
 * `TRUST_PROXY`: which proxies may set `X-Forwarded-For`. Never "every hop" (a client would choose its own address,
 * and with it whose rate limit it spends); a hop count or the proxies' addresses / CIDRs.
 */
export type TrustProxy = false | { hops: number } | string[];

/** TRUST_PROXY → Fastify's trustProxy, or the problem with it. */
export function parseTrustProxy(value: string): TrustProxy | string {
  const v = value.trim().toLowerCase();
  if (v === '' || v === 'false' || v === '0') return false;
  if (v === 'true') {
    return 'TRUST_PROXY: "true" would trust every hop, so a client could choose its address with X-Forwarded-For; give the number of proxies in front (e.g. 1) or their addresses/CIDRs';
  }
  if (/^\d+$/.test(v)) {
    const hops = Number(v);
    return hops <= 10 ? { hops } : 'TRUST_PROXY: a hop count must be between 0 and 10';
  }
  const entries = v
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  const bad = entries.filter((e) => !isAddressOrCidr(e));
  if (bad.length > 0) {
    return `TRUST_PROXY: ${bad.map((b) => `"${b}"`).join(', ')} is not a hop count, an IP address or a CIDR`;
  }
  return entries;
}

function isAddressOrCidr(entry: string): boolean {
  // proxy-addr's (Fastify's) names for the loopback, link-local and unique-local ranges.
  if (['loopback', 'linklocal', 'uniquelocal'].includes(entry)) return true;
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

/**
 * Fastify's `trustProxy` for our setting. Fastify 5 fails closed on a bare number (it trusts no hop), so a hop count
 * becomes proxy-addr's trust function: the socket peer is hop 0, so `hops` proxies in front are hops 0…hops-1, and
 * `request.ip` is the address the farthest of them saw. Hop counts suit a server reachable only through its proxies;
 * otherwise list the proxies' addresses.
 */
export function trustProxyOption(
  t: TrustProxy,
): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (t === false) return false;
  if (Array.isArray(t)) return t;
  const { hops } = t;
  return (_address, hop) => hop < hops;
}
