import { BlockList, isIP } from 'node:net';

/**
 * Addresses a webhook must not reach unless an operator allows the host: loopback, private,
 * link-local (cloud metadata lives there), carrier-grade NAT, multicast, unspecified and reserved
 * ranges, in IPv4 and IPv6, IPv4-mapped IPv6 included. Checked when a destination is created and
 * again on each connection, against the address actually connected to (DNS rebinding).
 */
const internal = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  internal.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
  ['2001:db8::', 32],
] as const) {
  internal.addSubnet(network, prefix, 'ipv6');
}

/** True for an address in one of the ranges above; false for a public one; throws for a non-address. */
export function isInternalAddress(address: string): boolean {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const family = isIP(bare);
  if (family === 0) throw new TypeError(`not an IP address: ${JSON.stringify(address)}`);
  if (family === 4) return internal.check(bare, 'ipv4');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped) return internal.check(mapped[1] as string, 'ipv4');
  return internal.check(bare, 'ipv6');
}
