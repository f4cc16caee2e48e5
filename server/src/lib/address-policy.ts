import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';

/** One answer of a name lookup (what `dns.lookup(name, { all: true })` gives). */
export type ResolvedAddress = { address: string; family: number };
/** The name resolver every outgoing call uses; tests replace it so no query ever leaves the machine. */
export type Resolve = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolve: Resolve = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/** Thrown before any connection is opened to an address the policy refuses. */
export class AddressRefused extends Error {
  constructor(readonly hostname: string) {
    super(`${hostname} resolves to an address that is not allowed`);
    this.name = 'AddressRefused';
  }
}

type Cidr = [bytes: number[], bits: number];
const v4 = (a: string, bits: number): Cidr => [a.split('.').map(Number), bits];

// Loopback, private, shared (CGNAT, also used by cloud metadata services), link-local (169.254.169.254 metadata),
// "this network", IETF/benchmark/documentation blocks, multicast, reserved and broadcast: none is a receiver on
// the internet, and several reach services that trust the machine we run on.
const LOOPBACK_V4 = v4('127.0.0.0', 8);
const REFUSED_V4: Cidr[] = [
  v4('0.0.0.0', 8),
  v4('10.0.0.0', 8),
  v4('100.64.0.0', 10),
  LOOPBACK_V4,
  v4('169.254.0.0', 16),
  v4('172.16.0.0', 12),
  v4('192.0.0.0', 24),
  v4('192.0.2.0', 24),
  v4('192.168.0.0', 16),
  v4('198.18.0.0', 15),
  v4('198.51.100.0', 24),
  v4('203.0.113.0', 24),
  v4('224.0.0.0', 4),
  v4('240.0.0.0', 4),
];
const v6 = (a: string, bits: number): Cidr => [parseV6(a)!, bits];
const LOOPBACK_V6 = v6('::1', 128);
const REFUSED_V6: Cidr[] = [
  v6('::', 128),
  LOOPBACK_V6,
  v6('100::', 64), // discard-only
  v6('2001::', 32), // Teredo: tunnels to an IPv4 address we cannot see
  v6('2001:db8::', 32), // documentation
  v6('fc00::', 7), // unique local (incl. AWS's fd00:ec2::254 metadata)
  v6('fe80::', 10), // link-local
  v6('fec0::', 10), // site-local (deprecated, still routed by some stacks)
  v6('ff00::', 8), // multicast
];

function inCidr(bytes: number[], [net, bits]: Cidr): boolean {
  for (let i = 0; i < bits; i += 8) {
    const take = Math.min(8, bits - i);
    const mask = (0xff << (8 - take)) & 0xff;
    if (((bytes[i / 8] ?? 0) & mask) !== ((net[i / 8] ?? 0) & mask)) return false;
  }
  return true;
}

/** 16 bytes of an IPv6 literal (a zone id is ignored), or undefined. */
function parseV6(text: string): number[] | undefined {
  let s = text.replace(/%.*$/, '');
  let tail: number[] = [];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (dotted?.[1]) {
    if (isIP(dotted[1]) !== 4) return undefined;
    tail = dotted[1].split('.').map(Number);
    s = `${s.slice(0, -dotted[1].length)}0:0`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string | undefined) => (h ? h.split(':') : []);
  const head = groups(halves[0]);
  const rest = groups(halves[1]);
  const fill = halves.length === 2 ? 8 - head.length - rest.length : 0;
  const all = [...head, ...Array<string>(fill).fill('0'), ...rest];
  if (all.length !== 8 || all.some((g) => !/^[0-9a-f]{1,4}$/i.test(g))) return undefined;
  const bytes = all.flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff]);
  if (tail.length === 4) bytes.splice(12, 4, ...tail);
  return bytes;
}

/**
 * The IPv4 address an IPv6 address stands for, where it embeds one: IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible
 * (::a.b.c.d), NAT64 (64:ff9b::/96, 64:ff9b:1::/48) and 6to4 (2002:AABB:CCDD::). Each would otherwise be a way
 * round the IPv4 rules.
 */
function embeddedV4(b: number[]): number[] | undefined {
  const zero = (from: number, to: number) => b.slice(from, to).every((x) => x === 0);
  if (zero(0, 10) && b[10] === 0xff && b[11] === 0xff) return b.slice(12);
  if (zero(0, 12)) return b.slice(12);
  if (inCidr(b, v6('64:ff9b::', 96)) || inCidr(b, v6('64:ff9b:1::', 48))) return b.slice(12);
  if (b[0] === 0x20 && b[1] === 0x02) return b.slice(2, 6);
  return undefined;
}

/** What an address is, for the policy: a public one, a loopback one, or anything else we refuse. */
export function classifyAddress(address: string): 'public' | 'loopback' | 'refused' {
  const family = isIP(address.replace(/%.*$/, ''));
  let bytes4: number[] | undefined;
  if (family === 4) bytes4 = address.split('.').map(Number);
  else if (family === 6) {
    const bytes = parseV6(address);
    if (!bytes) return 'refused';
    if (inCidr(bytes, LOOPBACK_V6)) return 'loopback';
    bytes4 = embeddedV4(bytes);
    if (!bytes4) return REFUSED_V6.some((c) => inCidr(bytes, c)) ? 'refused' : 'public';
  } else return 'refused';
  if (inCidr(bytes4, LOOPBACK_V4)) return 'loopback';
  return REFUSED_V4.some((c) => inCidr(bytes4, c)) ? 'refused' : 'public';
}

export type AddressGuard = {
  /** Resolves `hostname` (or takes an IP literal as is) and throws AddressRefused unless every answer is allowed. */
  check(hostname: string): Promise<ResolvedAddress[]>;
  /** The same check as a socket `lookup`: it runs at connect time, so a name re-pointed since is caught (rebinding). */
  lookup: LookupFunction;
};

/**
 * Only public addresses, for URLs that callers choose (webhook receivers, Dataverse environments). Every answer of
 * a lookup must be allowed, not just the first, or a name with one public and one private address would pass.
 * `allowLoopback` exists for tests whose receivers listen on 127.0.0.1; configuration accepts it only in
 * development mode and it never opens private, link-local or metadata ranges.
 */
export function createAddressGuard(options: { resolve: Resolve; allowLoopback?: boolean }): AddressGuard {
  const allowed = (a: string) => {
    const kind = classifyAddress(a);
    return kind === 'public' || (kind === 'loopback' && options.allowLoopback === true);
  };
  async function check(hostname: string): Promise<ResolvedAddress[]> {
    const bare = hostname.replace(/^\[|\]$/g, '');
    const literal = isIP(bare);
    const answers = literal ? [{ address: bare, family: literal }] : await options.resolve(bare);
    if (answers.length === 0 || !answers.every((a) => allowed(a.address))) throw new AddressRefused(bare);
    return answers;
  }
  return { check, lookup: toLookup(check) };
}

/** `resolve` as a socket `lookup` (for Microsoft endpoints named by our own configuration, with no policy). */
export function toLookup(resolve: Resolve): LookupFunction {
  return (hostname, opts, callback) => {
    resolve(hostname).then(
      (answers) => {
        const wanted = opts.family ? answers.filter((a) => a.family === opts.family) : answers;
        const first = wanted[0];
        if (opts.all) callback(null, wanted);
        else if (first) callback(null, first.address, first.family);
        else callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
      },
      (err: Error) => callback(err as NodeJS.ErrnoException, '', 0),
    );
  };
}
