import { isIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import { isInternalAddress, parseIpv4, parseIpv6 } from '../../core/network-address.js';

describe('isInternalAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.8.9.10', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local (cloud metadata)'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['0.0.0.0', 'this network'],
    ['0.1.2.3', 'this network'],
    ['192.0.0.8', 'IETF protocol assignments'],
    ['192.0.2.1', 'TEST-NET-1'],
    ['192.88.99.1', '6to4 relay anycast'],
    ['198.18.0.1', 'benchmarking'],
    ['198.19.255.255', 'benchmarking'],
    ['198.51.100.7', 'TEST-NET-2'],
    ['203.0.113.9', 'TEST-NET-3'],
    ['224.0.0.1', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'limited broadcast'],
  ])('refuses IPv4 %s (%s)', (address) => {
    expect(isInternalAddress(address)).toBe(true);
  });

  it.each([
    ['::1', 'loopback'],
    ['[::1]', 'loopback, as a URL host'],
    ['0:0:0:0:0:0:0:1', 'loopback, written out'],
    ['::', 'unspecified'],
    ['fd00::1', 'unique local'],
    ['fc12:3456::1', 'unique local'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local with a zone'],
    ['fec0::1', 'site-local'],
    ['ff02::1', 'multicast'],
    ['100::1', 'discard-only'],
    ['100:0:0:1::5', 'dummy prefix'],
    ['2001:2::1', 'benchmarking'],
    ['2001:10::1', 'ORCHID'],
    ['2001:20::1', 'ORCHIDv2'],
    ['2001:2f::1', 'ORCHIDv2'],
    ['2001:db8::1', 'documentation'],
    ['3fff::1', 'documentation'],
    ['3fff:fff::1', 'documentation'],
    ['5f00::1', 'SRv6'],
    ['64:ff9b:1::8.8.8.8', 'local-use NAT64'],
    ['64:ff9b:1:ffff::1', 'local-use NAT64'],
    ['4000::1', 'outside global unicast'],
    ['::2:3:4:5:6:7', 'reserved, outside global unicast'],
  ])('refuses IPv6 %s (%s)', (address) => {
    expect(isInternalAddress(address)).toBe(true);
  });

  it.each([
    ['::127.0.0.1', 'IPv4-compatible, dotted'],
    ['[::127.0.0.1]', 'IPv4-compatible, as a URL host'],
    ['::7f00:1', 'IPv4-compatible, hex (how URL parsing writes [::127.0.0.1])'],
    ['::a9fe:a9fe', 'IPv4-compatible metadata address'],
    ['::ffff:127.0.0.1', 'IPv4-mapped'],
    ['::FFFF:10.0.0.1', 'IPv4-mapped, upper case'],
    ['::ffff:7f00:1', 'IPv4-mapped, hex'],
    ['0:0:0:0:0:ffff:7f00:0001', 'IPv4-mapped, written out'],
    ['::ffff:c0a8:101', 'IPv4-mapped 192.168.1.1, hex'],
    ['::ffff:0:7f00:1', 'IPv4-translated (SIIT), hex'],
    ['::ffff:0:127.0.0.1', 'IPv4-translated (SIIT), dotted'],
    ['64:ff9b::127.0.0.1', 'NAT64'],
    ['64:ff9b::a00:1', 'NAT64 to 10.0.0.1, hex'],
    ['64:ff9b::a9fe:a9fe', 'NAT64 to the metadata address'],
    ['2002:7f00:1::', '6to4 over 127.0.0.1'],
    ['2002:a00:1:1::1', '6to4 over 10.0.0.1'],
    ['2002:c0a8:101::1', '6to4 over 192.168.1.1'],
    ['2001:0:7f00:1::1', 'Teredo with a loopback server'],
    ['2001:0:4136:e378:8000:63bf:f5ff:fffe', 'Teredo with client 10.0.0.1'],
    ['2001::', 'Teredo with server and client 0.0.0.0 and 255.255.255.255'],
  ])('refuses %s (%s) by the IPv4 address it carries', (address) => {
    expect(isInternalAddress(address)).toBe(true);
  });

  it.each([
    ['8.8.8.8', 'public IPv4'],
    ['1.1.1.1', 'public IPv4'],
    ['172.32.0.1', 'just past 172.16.0.0/12'],
    ['192.169.0.1', 'just past 192.168.0.0/16'],
    ['100.128.0.1', 'just past 100.64.0.0/10'],
    ['198.20.0.1', 'just past 198.18.0.0/15'],
    ['192.0.3.1', 'just past TEST-NET-1'],
    ['2606:4700:4700::1111', 'public IPv6'],
    ['2a00:1450:4001:80b::200e', 'public IPv6'],
    ['2001:4860:4860::8888', 'public IPv6 in 2001::/16 but not Teredo'],
    ['2001:30::1', 'drone remote ID, globally reachable'],
    ['::ffff:8.8.8.8', 'IPv4-mapped public'],
    ['::ffff:808:808', 'IPv4-mapped public, hex'],
    ['::8.8.8.8', 'IPv4-compatible public'],
    ['64:ff9b::8.8.8.8', 'NAT64 to a public address'],
    ['64:ff9b::808:808', 'NAT64 to a public address, hex'],
    ['2002:0808:0808::', '6to4 over a public relay'],
    ['2002:808:808:1::1', '6to4 over a public relay'],
    ['2001:0:4136:e378:8000:63bf:f7f7:f7f7', 'Teredo, public server and client 8.8.8.8'],
  ])('allows %s (%s)', (address) => {
    expect(isInternalAddress(address)).toBe(false);
  });

  it('throws for something that is not an address', () => {
    for (const text of ['localhost', '999.1.1.1', '1.2.3', '01.2.3.4', '1::2::3', '12345::', '::ffff:1.2.3', 'fe80::1%', '[::1']) {
      expect(() => isInternalAddress(text)).toThrow(/not an IP address/);
    }
  });
});

describe('parseIpv6', () => {
  it('reads every spelling of one address into the same bytes', () => {
    const expected = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0x7f, 0, 0, 1];
    for (const text of ['::ffff:127.0.0.1', '::ffff:7f00:1', '0:0:0:0:0:ffff:7f00:1', '0000:0000::FFFF:7F00:0001', '::ffff:7f00:1%lo']) {
      expect([...(parseIpv6(text) ?? [])]).toEqual(expected);
    }
  });

  it('agrees with Node on which strings are IPv6 addresses', () => {
    const samples = [
      '::',
      '::1',
      '1::',
      '1:2:3:4:5:6:7:8',
      '1:2:3:4:5:6:7::',
      '::2:3:4:5:6:7:8',
      '1:2:3:4:5:6:7:8:9',
      '1:2:3:4:5:6:7',
      '1::2:3:4:5:6:7:8',
      ':1:2:3:4:5:6:7',
      '1:2:3:4:5:6:7:',
      ':::',
      '1:::2',
      '::1.2.3.4',
      '::ffff:1.2.3.4',
      '1:2:3:4:5:6:1.2.3.4',
      '1:2:3:4:5:6:7:1.2.3.4',
      '1.2.3.4::',
      '::1.2.3.4:5',
      '::01.2.3.4',
      'g::1',
      '12345::1',
      'fe80::1%eth0',
      '',
    ];
    for (const text of samples) expect([text, parseIpv6(text) !== undefined]).toEqual([text, isIP(text) === 6]);
  });
});

describe('parseIpv4', () => {
  it('reads dotted quads only', () => {
    expect([...(parseIpv4('192.168.0.255') ?? [])]).toEqual([192, 168, 0, 255]);
    for (const text of ['256.1.1.1', '1.2.3', '1.2.3.4.5', '01.2.3.4', '0x7f.0.0.1', '1.2.3.', '']) expect(parseIpv4(text)).toBeUndefined();
  });
});
