/**
 * Which URLs FrameForge may fetch on a remote service's word (a provider's
 * result URL, a webhook): the guard against server-side request forgery.
 * A URL must be https:, and its host must resolve only to public addresses:
 * never loopback, private (RFC 1918, unique local, carrier-grade NAT),
 * link-local (cloud metadata lives at 169.254.169.254), multicast or
 * reserved, including those same addresses wrapped in IPv6 (::ffff:a.b.c.d,
 * NAT64, 6to4). A host the operator allows (`allowedHosts`: `host` for any
 * port, or `host:port`) may also be http: and private: a local proxy, a gateway.
 *
 * `assertSafeUrl` resolves the name and checks every address it resolves to;
 * a caller that then connects should use those addresses (`pinnedLookup`),
 * so that a second DNS answer cannot point elsewhere (DNS rebinding). Every
 * redirect is a new URL and must be checked again.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP, type LookupFunction } from 'node:net';

export class UnsafeUrlError extends Error {
  override readonly name = 'UnsafeUrlError';
  constructor(
    /** The URL's host (with its port, if any): safe to show, it came from the remote side. */
    readonly host: string,
    readonly reason: string,
  ) {
    super(`${host}: ${reason}`);
  }
}

export interface Resolved {
  address: string;
  family: 4 | 6;
}

export interface SafeUrlOptions {
  /** `host` (any port) or `host:port` entries that may be http: and resolve anywhere. */
  allowedHosts?: readonly string[];
  /** DNS, for tests; `dns.lookup` (the system resolver, as connecting uses) otherwise. */
  lookup?: (hostname: string) => Promise<Resolved[]>;
}

export interface SafeTarget {
  url: URL;
  /** The host is in allowedHosts: nothing about its addresses was checked. */
  allowed: boolean;
  /** The checked addresses the hostname resolved to (empty for an allowed host or an IP literal). */
  addresses: Resolved[];
}

const RANGES: [kind: string, family: 'ipv4' | 'ipv6', network: string, prefix: number][] = [
  ['unspecified', 'ipv4', '0.0.0.0', 8],
  ['private', 'ipv4', '10.0.0.0', 8],
  ['private (carrier-grade NAT)', 'ipv4', '100.64.0.0', 10],
  ['loopback', 'ipv4', '127.0.0.0', 8],
  ['link-local (cloud metadata)', 'ipv4', '169.254.0.0', 16],
  ['private', 'ipv4', '172.16.0.0', 12],
  ['reserved', 'ipv4', '192.0.0.0', 24],
  ['reserved (documentation)', 'ipv4', '192.0.2.0', 24],
  ['private', 'ipv4', '192.168.0.0', 16],
  ['reserved (benchmarking)', 'ipv4', '198.18.0.0', 15],
  ['reserved (documentation)', 'ipv4', '198.51.100.0', 24],
  ['reserved (documentation)', 'ipv4', '203.0.113.0', 24],
  ['multicast', 'ipv4', '224.0.0.0', 4],
  ['reserved', 'ipv4', '240.0.0.0', 4],
  ['unspecified', 'ipv6', '::', 128],
  ['loopback', 'ipv6', '::1', 128],
  ['reserved (discard)', 'ipv6', '100::', 64],
  ['reserved (documentation)', 'ipv6', '2001:db8::', 32],
  ['private (unique local)', 'ipv6', 'fc00::', 7],
  ['link-local', 'ipv6', 'fe80::', 10],
  ['site-local', 'ipv6', 'fec0::', 10],
  ['multicast', 'ipv6', 'ff00::', 8],
];

const BLOCKS = RANGES.map(([kind, family, network, prefix]) => {
  const list = new BlockList();
  list.addSubnet(network, prefix, family);
  return { kind, family, list };
});

/** The eight 16-bit groups of an IPv6 address (no zone). */
function groups(ipv6: string): number[] {
  let text = ipv6.toLowerCase();
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)?.[1];
  if (dotted) {
    const [a, b, c, d] = dotted.split('.').map(Number) as [number, number, number, number];
    text = text.slice(0, -dotted.length) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const fill = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...fill, ...right].map((g) => parseInt(g, 16));
}

function v4(hi: number, lo: number): string {
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** The IPv4 address an IPv6 one carries (mapped, NAT64, 6to4), if any. */
function embeddedIPv4(ipv6: string): string | undefined {
  const g = groups(ipv6);
  if (g.length !== 8) return undefined;
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  if (zeros(0, 5) && (g[5] === 0xffff || g[5] === 0)) return v4(g[6]!, g[7]!); // ::ffff:a.b.c.d, ::a.b.c.d
  if (g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6)) return v4(g[6]!, g[7]!); // NAT64 64:ff9b::/96
  if (g[0] === 0x2002) return v4(g[1]!, g[2]!); // 6to4
  return undefined;
}

/** Why this address must not be fetched from, or undefined when it is public. */
export function forbiddenAddress(address: string): string | undefined {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 0) return 'not an IP address';
  const type = family === 4 ? 'ipv4' : 'ipv6';
  const kind = BLOCKS.find((b) => b.family === type && b.list.check(bare, type))?.kind;
  if (kind || family === 4) return kind;
  // An IPv6 range of its own first (so ::1 is loopback), then the IPv4 address it carries:
  // ::ffff:0.0.0.0 too, which connects to this machine as 0.0.0.0 does.
  const inner = embeddedIPv4(bare);
  return inner ? forbiddenAddress(inner) : undefined;
}

/** "a private address", "an unspecified address". */
function anAddress(kind: string): string {
  return `${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind} address`;
}

const unbracket = (host: string) => host.replace(/^\[|\]$/g, '');

export function isAllowed(url: URL, allowedHosts: readonly string[]): boolean {
  const hostname = unbracket(url.hostname.toLowerCase());
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return allowedHosts.some((entry) => {
    // `host:port` or `[v6]:port` matches that port only; a bare host (or bare IPv6) any port.
    const e = entry.trim().toLowerCase();
    const withPort = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(e);
    return withPort ? unbracket(withPort[1]!) === hostname && withPort[2] === port : unbracket(e) === hostname;
  });
}

async function systemLookup(hostname: string): Promise<Resolved[]> {
  return (await dnsLookup(hostname, { all: true, verbatim: true })) as Resolved[];
}

/**
 * Checks `url` and resolves its host; throws UnsafeUrlError naming the host
 * and why when it may not be fetched.
 */
export async function assertSafeUrl(url: string | URL, options: SafeUrlOptions = {}): Promise<SafeTarget> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UnsafeUrlError('(not a URL)', 'not a URL');
  }
  const host = parsed.host || parsed.protocol;
  const allowed = isAllowed(parsed, options.allowedHosts ?? []);
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && allowed)) {
    throw new UnsafeUrlError(host, `${parsed.protocol} URLs are refused; only https:${allowed ? '' : ' (http: only on an allowed host)'}`);
  }
  if (parsed.username || parsed.password) throw new UnsafeUrlError(host, 'URLs with credentials are refused');
  if (allowed) return { url: parsed, allowed: true, addresses: [] };
  const hostname = unbracket(parsed.hostname);
  if (isIP(hostname)) {
    const reason = forbiddenAddress(hostname);
    if (reason) throw new UnsafeUrlError(host, anAddress(reason));
    return { url: parsed, allowed: false, addresses: [] };
  }
  let addresses: Resolved[];
  try {
    addresses = await (options.lookup ?? systemLookup)(hostname);
  } catch (error) {
    throw new UnsafeUrlError(host, `does not resolve (${(error as NodeJS.ErrnoException).code ?? 'lookup failed'})`);
  }
  if (addresses.length === 0) throw new UnsafeUrlError(host, 'does not resolve');
  for (const { address } of addresses) {
    const reason = forbiddenAddress(address);
    if (reason) throw new UnsafeUrlError(host, `resolves to ${anAddress(reason)} (${address})`);
  }
  return { url: parsed, allowed: false, addresses };
}

/**
 * A `lookup` for net/tls.connect that answers a checked hostname with the
 * addresses assertSafeUrl checked, and any other with the system resolver
 * (allowed hosts). The connection thus goes where the check looked.
 */
export function pinnedLookup(pins: ReadonlyMap<string, Resolved[]>): LookupFunction {
  return (hostname, options, callback) => {
    const pinned = pins.get(hostname.toLowerCase());
    const answer = (addresses: Resolved[]) => {
      if (options.all) (callback as (e: null, a: Resolved[]) => void)(null, addresses);
      else callback(null, addresses[0]!.address, addresses[0]!.family);
    };
    if (pinned) return void answer(pinned);
    systemLookup(hostname).then(answer, (error: NodeJS.ErrnoException) => callback(error, '', 0));
  };
}
