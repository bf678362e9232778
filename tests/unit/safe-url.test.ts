/**
 * The address check behind result downloads (src/providers/safe-url.ts),
 * range by range: each refused range is pinned by an address inside it and,
 * where a neighbour is public, by the first address outside it, so a range
 * typed too wide or too narrow fails here. Plus the IPv6 forms that carry an
 * IPv4 address, and the lookup that pins connections to checked addresses.
 */
import { describe, expect, it } from 'vitest';
import { assertSafeUrl, forbiddenAddress, pinnedLookup, UnsafeUrlError, type Resolved } from '../../src/providers/safe-url.js';

describe('forbiddenAddress', () => {
  it.each([
    ['0.0.0.0', 'unspecified'],
    ['0.255.255.255', 'unspecified'],
    ['10.0.0.0', 'private'],
    ['10.255.255.255', 'private'],
    ['100.64.0.0', 'private (carrier-grade NAT)'],
    ['100.127.255.255', 'private (carrier-grade NAT)'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['169.254.169.254', 'link-local (cloud metadata)'],
    ['172.16.0.0', 'private'],
    ['172.31.255.255', 'private'],
    ['192.0.0.8', 'reserved'],
    ['192.0.2.1', 'reserved (documentation)'],
    ['192.168.0.1', 'private'],
    ['192.168.255.255', 'private'],
    ['198.18.0.1', 'reserved (benchmarking)'],
    ['198.19.255.255', 'reserved (benchmarking)'],
    ['198.51.100.7', 'reserved (documentation)'],
    ['203.0.113.9', 'reserved (documentation)'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.255', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['100::1', 'reserved (discard)'],
    ['2001:db8::1', 'reserved (documentation)'],
    ['fc00::1', 'private (unique local)'],
    ['fd00:ec2::254', 'private (unique local)'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['febf::1', 'link-local'],
    ['fec0::1', 'site-local'],
    ['ff02::1', 'multicast'],
  ])('%s is refused as %s', (address, kind) => {
    expect(forbiddenAddress(address)).toBe(kind);
  });

  it.each([
    '1.0.0.0',
    '8.8.8.8',
    '11.0.0.0',
    '100.63.255.255',
    '100.128.0.0',
    '126.255.255.255',
    '128.0.0.0',
    '169.253.255.255',
    '169.255.0.0',
    '172.15.255.255',
    '172.32.0.0',
    '192.0.1.0',
    '192.0.3.0',
    '192.167.255.255',
    '192.169.0.0',
    '198.17.255.255',
    '198.20.0.0',
    '198.51.101.0',
    '203.0.114.0',
    '223.255.255.255',
    '2001:4860:4860::8888',
    '2600:1901::1',
    'fbff::1',
    'fe00::1',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
    '2002:808:808::1',
  ])('%s is public', (address) => {
    expect(forbiddenAddress(address)).toBeUndefined();
  });

  it.each([
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:a9fe:a9fe', 'link-local (cloud metadata)'],
    ['::10.0.0.1', 'private'],
    // ::ffff:0.0.0.0 reaches this machine like 0.0.0.0 does (the URL parser writes it ::ffff:0:0).
    ['::ffff:0.0.0.0', 'unspecified'],
    ['::ffff:0:0', 'unspecified'],
    ['64:ff9b::a9fe:a9fe', 'link-local (cloud metadata)'],
    ['64:ff9b::127.0.0.1', 'loopback'],
    ['2002:c0a8:0001::1', 'private'],
    ['2002:7f00:1::', 'loopback'],
    // Every octet written with several digits (the dotted tail is read whole, not from its last digits).
    ['::ffff:172.16.254.100', 'private'],
    ['::ffff:192.168.100.200', 'private'],
    // The full form, without `::`.
    ['0:0:0:0:0:ffff:127.0.0.1', 'loopback'],
    ['0:0:0:0:0:ffff:a9fe:a9fe', 'link-local (cloud metadata)'],
    // Ending in `::`: the NAT64 form of 0.0.0.0.
    ['64:ff9b::', 'unspecified'],
    // A zone after a mapped address.
    ['::ffff:127.0.0.1%eth0', 'loopback'],
  ])('%s carries an IPv4 address and is refused as that one is: %s', (address, kind) => {
    expect(forbiddenAddress(address)).toBe(kind);
  });

  it.each([
    // Only ::ffff:0:0/96 (mapped) and ::/96 (compatible) carry an IPv4 address in their last 32 bits, not ::1:0:0/96.
    '::1:7f00:1',
    '::1:a9fe:a9fe',
    // NAT64 is 64:ff9b::/96 exactly: its neighbours do not reach the IPv4 address.
    '64:ff9a::a9fe:a9fe',
    '65:ff9b::a9fe:a9fe',
    '64:ff9b:0:0:0:1:a9fe:a9fe',
  ])('%s does not carry the IPv4 address in its last 32 bits', (address) => {
    expect(forbiddenAddress(address)).toBeUndefined();
  });

  it.each(['example.com', '[[8.8.8.8]', '[8.8.8.8]]', '[[2001:4860:4860::8888]'])('%s is not an IP address: only one pair of brackets around the whole is taken off', (address) => {
    expect(forbiddenAddress(address)).toBe('not an IP address');
  });
});

describe('assertSafeUrl', () => {
  const noDns = { lookup: () => Promise.reject(new Error('no DNS for literals')) };

  it('refuses ::ffff:0.0.0.0 as a URL host, which connects to this machine', async () => {
    const error = await assertSafeUrl('https://[::ffff:0.0.0.0]:8443/x', noDns).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsafeUrlError);
    expect((error as UnsafeUrlError).name).toBe('UnsafeUrlError');
    expect((error as UnsafeUrlError).message).toBe('[::ffff:0:0]:8443: an unspecified address');
  });

  it('names the host, the address and the range when a name resolves to a refused address', async () => {
    const lookup = async () => [{ address: '34.120.1.2', family: 4 as const }, { address: '10.0.0.7', family: 4 as const }];
    const error = await assertSafeUrl('https://cdn.example.com:8443/x.png', { lookup }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsafeUrlError);
    expect([(error as UnsafeUrlError).host, (error as UnsafeUrlError).reason]).toEqual(['cdn.example.com:8443', 'resolves to a private address (10.0.0.7)']);
  });

  it('a name that resolves to nothing, or fails to resolve, is refused with the reason', async () => {
    const none = await assertSafeUrl('https://cdn.example.com/x', { lookup: async () => [] }).catch((e: unknown) => e);
    expect((none as UnsafeUrlError).reason).toBe('does not resolve');
    const failing = await assertSafeUrl('https://cdn.example.com/x', {
      lookup: () => Promise.reject(Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' })),
    }).catch((e: unknown) => e);
    expect((failing as UnsafeUrlError).reason).toBe('does not resolve (ENOTFOUND)');
    const bare = await assertSafeUrl('https://cdn.example.com/x', { lookup: () => Promise.reject(new Error('no code')) }).catch((e: unknown) => e);
    expect((bare as UnsafeUrlError).reason).toBe('does not resolve (lookup failed)');
  });

  it('returns the checked addresses of a name, and none for a literal or an allowed host', async () => {
    const addresses: Resolved[] = [{ address: '34.120.1.2', family: 4 }, { address: '2600:1901::1', family: 6 }];
    const checked = await assertSafeUrl('https://cdn.example.com/x', { lookup: async () => addresses });
    expect(checked).toMatchObject({ allowed: false, addresses });
    expect(checked.url.href).toBe('https://cdn.example.com/x');
    expect(await assertSafeUrl('https://8.8.8.8/x', noDns)).toMatchObject({ allowed: false, addresses: [] });
    expect(await assertSafeUrl('http://gateway.internal/x', { allowedHosts: [' Gateway.Internal '] })).toMatchObject({ allowed: true, addresses: [] });
  });

  it('says why http: is refused, and that an allowed host could have it', async () => {
    const refused = await assertSafeUrl('http://cdn.example.com/x', noDns).catch((e: unknown) => e);
    expect((refused as UnsafeUrlError).reason).toBe('http: URLs are refused; only https: (http: only on an allowed host)');
    const ftp = await assertSafeUrl('ftp://gateway.internal/x', { allowedHosts: ['gateway.internal'] }).catch((e: unknown) => e);
    expect((ftp as UnsafeUrlError).reason).toBe('ftp: URLs are refused; only https:');
    const notUrl = await assertSafeUrl('not a url').catch((e: unknown) => e);
    expect([(notUrl as UnsafeUrlError).host, (notUrl as UnsafeUrlError).reason]).toEqual(['(not a URL)', 'not a URL']);
  });

  it('an allowed host:port takes http: on the default port only when the port matches it', async () => {
    await expect(assertSafeUrl('http://gateway.internal/x', { allowedHosts: ['gateway.internal:80'] })).resolves.toMatchObject({ allowed: true });
    await expect(assertSafeUrl('http://gateway.internal/x', { allowedHosts: ['gateway.internal:443'] })).rejects.toThrow(/http: URLs are refused/);
    await expect(assertSafeUrl('https://10.0.0.2/x', { allowedHosts: ['10.0.0.2:443'] })).resolves.toMatchObject({ allowed: true });
    await expect(assertSafeUrl('https://10.0.0.2/x', { ...noDns, allowedHosts: ['10.0.0.20'] })).rejects.toThrow(/private/);
    await expect(assertSafeUrl('https://[fd00::2]:8443/x', { allowedHosts: ['fd00::2'] })).resolves.toMatchObject({ allowed: true });
  });

  it('an allowed host:port allows that host only: another host on the same port is checked as usual', async () => {
    const lookup = async () => [{ address: '10.0.0.9', family: 4 as const }];
    await expect(assertSafeUrl('http://gateway.internal:8080/x', { lookup, allowedHosts: ['gateway.internal:8080'] })).resolves.toMatchObject({ allowed: true });
    await expect(assertSafeUrl('http://other.internal:8080/x', { lookup, allowedHosts: ['gateway.internal:8080'] })).rejects.toThrow(/http: URLs are refused/);
    await expect(assertSafeUrl('https://other.internal:8080/x', { lookup, allowedHosts: ['gateway.internal:8080'] })).rejects.toThrow('resolves to a private address (10.0.0.9)');
    await expect(assertSafeUrl('https://10.0.0.3:443/x', { ...noDns, allowedHosts: ['10.0.0.2:443'] })).rejects.toThrow(/private/);
  });

  it('a bare IPv6 entry is an address, never host:port, even where a group is all digits', async () => {
    // `fd00::2:8443` is not host `fd00::2` on port 8443, nor host `2`; `fd00:1234::5` is not host `fd00` on port 1234.
    await expect(assertSafeUrl('http://[fd00::2:8443]/x', { allowedHosts: ['fd00::2:8443'] })).resolves.toMatchObject({ allowed: true });
    await expect(assertSafeUrl('http://[fd00:1234::5]/x', { allowedHosts: ['fd00:1234::5'] })).resolves.toMatchObject({ allowed: true });
    await expect(assertSafeUrl('http://[fd00::2]:8443/x', { allowedHosts: ['fd00::2:8443'] })).rejects.toThrow(/http: URLs are refused/);
  });

  it('an entry with extra brackets matches nothing', async () => {
    for (const entry of ['[[fd00::2]', '[fd00::2]]']) {
      await expect(assertSafeUrl('https://[fd00::2]/x', { ...noDns, allowedHosts: [entry] }), entry).rejects.toThrow('a private (unique local) address');
    }
  });

  it('without a lookup given, the system resolver answers: localhost is refused as loopback', async () => {
    const error = await assertSafeUrl('https://localhost:8443/x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsafeUrlError);
    expect((error as UnsafeUrlError).reason).toMatch(/^resolves to a loopback address \((127\.0\.0\.1|::1)\)$/);
  });

  it('refuses credentials even on an allowed host', async () => {
    await expect(assertSafeUrl('http://user@gateway.internal/x', { allowedHosts: ['gateway.internal'] })).rejects.toThrow(/credentials/);
    await expect(assertSafeUrl('https://:pw@cdn.example.com/x', noDns)).rejects.toThrow(/credentials/);
  });
});

describe('pinnedLookup', () => {
  const lookup = (pins: Map<string, Resolved[]>, hostname: string, all: boolean) =>
    new Promise<unknown[]>((resolve) => {
      pinnedLookup(pins)(hostname, { all }, (error: unknown, address: unknown, family?: unknown) => resolve([error, address, family]));
    });

  it('answers a checked name with its checked addresses, whatever its case, in the form asked for', async () => {
    const pins = new Map<string, Resolved[]>([['cdn.example.com', [{ address: '34.120.1.2', family: 4 }, { address: '2600:1901::1', family: 6 }]]]);
    expect(await lookup(pins, 'CDN.example.com', false)).toEqual([null, '34.120.1.2', 4]);
    expect(await lookup(pins, 'cdn.example.com', true)).toEqual([null, pins.get('cdn.example.com'), undefined]);
  });

  it('asks the system resolver for a name it has no pins for (an allowed host), and passes its failure on', async () => {
    const [error, addresses] = await lookup(new Map(), 'localhost', true);
    expect(error).toBeNull();
    expect((addresses as Resolved[]).map((a) => a.address)).toEqual(expect.arrayContaining([expect.stringMatching(/^(127\.0\.0\.1|::1)$/)]));
    const [failure] = await lookup(new Map(), 'nothing.invalid', false);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as NodeJS.ErrnoException).code).toMatch(/^(ENOTFOUND|EAI_AGAIN|EAI_FAIL)$/);
  });
});
