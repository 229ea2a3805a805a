/**
 * Addresses a webhook must not reach unless an operator allows the host: loopback, private,
 * link-local (cloud metadata lives there), carrier-grade NAT, multicast, documentation, benchmarking
 * and other special-purpose ranges of the IANA registries, in IPv4 and IPv6. An IPv6 address that
 * carries an IPv4 address (mapped, compatible, translated, NAT64, 6to4, Teredo) is judged by the
 * IPv4 address it carries, since that is where the packets end up. Checked when a destination is
 * created and again on each connection, against the address actually connected to (DNS rebinding).
 *
 * Addresses are parsed into bytes here rather than matched as text: IPv6 has many spellings of one
 * address (`::ffff:127.0.0.1`, `::ffff:7f00:1`, `0:0:0:0:0:ffff:7f00:0001`), and only bytes compare
 * reliably.
 */

type Range = readonly [network: string, bits: number];

/** IPv4 special-purpose blocks (https://www.iana.org/assignments/iana-ipv4-special-registry). */
const ipv4Ranges: readonly Range[] = [
  ['0.0.0.0', 8], // "this network"; 0.0.0.0 reaches the local host
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // shared address space (carrier-grade NAT)
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, where cloud metadata services answer
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments (DS-Lite, NAT64 discovery…)
  ['192.0.2.0', 24], // documentation (TEST-NET-1)
  ['192.88.99.0', 24], // 6to4 relay anycast, deprecated
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation (TEST-NET-2)
  ['203.0.113.0', 24], // documentation (TEST-NET-3)
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved for future use
  ['255.255.255.255', 32], // limited broadcast
];

/**
 * IPv6 special-purpose blocks (https://www.iana.org/assignments/iana-ipv6-special-registry), the
 * IPv4-carrying forms aside (see `carriedIpv4`). Besides these, an address outside 2000::/3, the
 * only space global unicast is allocated from, is refused as reserved by the IETF.
 */
const ipv6Ranges: readonly Range[] = [
  ['::1', 128], // loopback
  ['::', 128], // unspecified
  ['64:ff9b:1::', 48], // local-use IPv4/IPv6 translation: the translator is inside the operator's network
  ['100::', 64], // discard-only
  ['100:0:0:1::', 64], // dummy prefix
  ['2001:2::', 48], // benchmarking
  ['2001:10::', 28], // ORCHID, deprecated
  ['2001:20::', 28], // ORCHIDv2
  ['2001:db8::', 32], // documentation
  ['3fff::', 20], // documentation
  ['5f00::', 16], // SRv6 segment identifiers
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local, deprecated
  ['ff00::', 8], // multicast
];

const globalUnicast = parseRange(['2000::', 3], 16);
const ipv4Table = ipv4Ranges.map((range) => parseRange(range, 4));
const ipv6Table = ipv6Ranges.map((range) => parseRange(range, 16));

/** True for an address in one of the ranges above; false for a public one; throws for a non-address. */
export function isInternalAddress(address: string): boolean {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const ipv4 = parseIpv4(bare);
  if (ipv4 !== undefined) return isInternalIpv4(ipv4);
  const ipv6 = parseIpv6(bare);
  if (ipv6 === undefined) throw new TypeError(`not an IP address: ${JSON.stringify(address)}`);
  const carried = carriedIpv4(ipv6);
  if (carried.length > 0) return carried.some(isInternalIpv4);
  return !inRange(ipv6, globalUnicast) || ipv6Table.some((range) => inRange(ipv6, range));
}

function isInternalIpv4(bytes: Uint8Array): boolean {
  return ipv4Table.some((range) => inRange(bytes, range));
}

/**
 * The IPv4 addresses an IPv6 address carries, where its form says packets go to them; empty for
 * any other address.
 */
function carriedIpv4(bytes: Uint8Array): Uint8Array[] {
  const zero = (from: number, to: number) => bytes.subarray(from, to).every((byte) => byte === 0);
  const last = bytes.subarray(12, 16);
  // ::a.b.c.d, IPv4-compatible (deprecated): also covers :: and ::1, as 0.0.0.0 and 0.0.0.1.
  if (zero(0, 12)) return [last];
  // ::ffff:a.b.c.d, IPv4-mapped: the socket connects over IPv4.
  if (zero(0, 10) && bytes[10] === 0xff && bytes[11] === 0xff) return [last];
  // ::ffff:0:a.b.c.d, IPv4-translated (SIIT).
  if (zero(0, 8) && bytes[8] === 0xff && bytes[9] === 0xff && zero(10, 12)) return [last];
  // 64:ff9b::a.b.c.d, the well-known NAT64 prefix: the translator connects to a.b.c.d.
  if (bytes[0] === 0x00 && bytes[1] === 0x64 && bytes[2] === 0xff && bytes[3] === 0x9b && zero(4, 12)) return [last];
  // 2002:aabb:ccdd::/48, 6to4: the site's relay is a.b.c.d.
  if (bytes[0] === 0x20 && bytes[1] === 0x02) return [bytes.subarray(2, 6)];
  // 2001:0::/32, Teredo: the server in bits 32-63, the client's address inverted in bits 96-127.
  if (bytes[0] === 0x20 && bytes[1] === 0x01 && bytes[2] === 0 && bytes[3] === 0) {
    return [bytes.subarray(4, 8), last.map((byte) => byte ^ 0xff)];
  }
  return [];
}

interface ParsedRange {
  readonly network: Uint8Array;
  readonly bits: number;
}

function parseRange([network, bits]: Range, size: 4 | 16): ParsedRange {
  const parsed = size === 4 ? parseIpv4(network) : parseIpv6(network);
  if (parsed === undefined) throw new TypeError(`bad range ${network}/${bits}`);
  return { network: parsed, bits };
}

function inRange(bytes: Uint8Array, range: ParsedRange): boolean {
  if (bytes.length !== range.network.length) return false;
  const whole = Math.floor(range.bits / 8);
  for (let index = 0; index < whole; index++) if (bytes[index] !== range.network[index]) return false;
  const rest = range.bits % 8;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return ((bytes[whole] as number) & mask) === ((range.network[whole] as number) & mask);
}

/** Dotted-quad IPv4 (`127.0.0.1`) as 4 bytes; undefined for anything else, leading zeros included (octal to some parsers). */
export function parseIpv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const bytes = new Uint8Array(4);
  for (const [index, part] of parts.entries()) {
    if (!/^(0|[1-9]\d{0,2})$/.test(part) || Number(part) > 255) return undefined;
    bytes[index] = Number(part);
  }
  return bytes;
}

/**
 * IPv6 text (RFC 4291 section 2.2: hex groups, one `::`, an optional dotted IPv4 tail) as 16
 * bytes; a zone (`%eth0`) is dropped. Undefined for anything else.
 */
export function parseIpv6(text: string): Uint8Array | undefined {
  const zone = text.indexOf('%');
  const address = zone >= 0 ? text.slice(0, zone) : text;
  if (zone >= 0 && !/^[0-9a-z.:-]+$/i.test(text.slice(zone + 1))) return undefined;
  const halves = address.split('::');
  if (halves.length > 2) return undefined;
  const head = parseGroups(halves[0] as string, halves.length === 1);
  const tail = halves.length === 2 ? parseGroups(halves[1] as string, true) : [];
  if (head === undefined || tail === undefined) return undefined;
  const missing = 8 - head.length - tail.length;
  // `::` stands for at least one group of zeros; without it there must be exactly eight.
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const groups = [...head, ...new Array<number>(missing).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  for (const [index, group] of groups.entries()) {
    bytes[index * 2] = group >> 8;
    bytes[index * 2 + 1] = group & 0xff;
  }
  return bytes;
}

/** The 16-bit groups of one side of `::`; a dotted IPv4 address may end the address (`last`). */
function parseGroups(text: string, last: boolean): number[] | undefined {
  if (text === '') return [];
  const parts = text.split(':');
  const groups: number[] = [];
  for (const [index, part] of parts.entries()) {
    if (last && index === parts.length - 1 && part.includes('.')) {
      const ipv4 = parseIpv4(part);
      if (ipv4 === undefined) return undefined;
      groups.push(((ipv4[0] as number) << 8) | (ipv4[1] as number), ((ipv4[2] as number) << 8) | (ipv4[3] as number));
    } else if (/^[0-9a-f]{1,4}$/i.test(part)) {
      groups.push(parseInt(part, 16));
    } else {
      return undefined;
    }
  }
  return groups;
}
