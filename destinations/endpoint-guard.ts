import { createHash } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { internalAddressProblem, type Endpoint } from '../core/endpoint-rules.js';
import { SettingsRefused } from './server-kind.js';

/** Resolves a host name to every address it has. */
export type ResolveHost = (host: string) => Promise<string[]>;

/** Where a sender connects: the address vetted, and the name it stands for (TLS checks the certificate against it). */
export interface VettedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/** An attempt refused before connecting, in the API's words. */
export interface EndpointRefusal {
  readonly code: 'destination_refused' | 'host_unresolved';
  readonly message: string;
}

export const resolveAll: ResolveHost = async (host) => (await lookup(host, { all: true })).map((entry) => entry.address);

/**
 * What a broker URL's host resolves to, for the API's check: nothing to look up for an IP literal
 * or an allowed host (which may resolve only where the streamers run). A name that does not
 * resolve ends the check, naming the setting.
 */
export async function resolveForCheck(
  field: string,
  endpoint: Endpoint | undefined,
  allowedHosts: ReadonlySet<string>,
  resolve: ResolveHost = resolveAll,
): Promise<string[]> {
  if (endpoint === undefined || isIP(endpoint.host) !== 0 || allowedHosts.has(endpoint.host)) return [];
  try {
    return await resolve(endpoint.host);
  } catch {
    throw new SettingsRefused(field, `the host ${endpoint.host} does not resolve; check the URL`);
  }
}

/**
 * The address a sender connects to, once every address of the host passed the rules the API
 * applied (the row may predate them, the name may resolve elsewhere now). The client is given
 * this address rather than the name, so the check and the connection see the same address (DNS
 * rebinding); a new connection resolves again.
 */
export async function vetEndpoint(
  endpoint: Endpoint,
  allowedHosts: ReadonlySet<string>,
  resolve: ResolveHost = resolveAll,
): Promise<VettedAddress | { readonly refusal: EndpointRefusal }> {
  let addresses: string[];
  if (isIP(endpoint.host) !== 0) addresses = [endpoint.host];
  else {
    try {
      addresses = await resolve(endpoint.host);
    } catch {
      addresses = [];
    }
  }
  const first = addresses[0];
  if (first === undefined) {
    return { refusal: { code: 'host_unresolved', message: `the host ${endpoint.host} does not resolve; check the destination's URL` } };
  }
  const problem = internalAddressProblem(endpoint, addresses, allowedHosts);
  if (problem !== undefined) return { refusal: { code: 'destination_refused', message: `${problem}; nothing was sent` } };
  return { address: first, family: isIP(first) === 6 ? 6 : 4 };
}

/** Tells a connection's settings apart without keeping them (a password among them): the same settings give the same digest. */
export function settingsDigest(parts: readonly (string | undefined)[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16);
}
