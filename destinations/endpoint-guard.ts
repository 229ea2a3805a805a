import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';
import { checkEndpointHost, type Endpoint } from '../core/endpoint-rules.js';
import { SettingsRefused } from './server-kind.js';

/**
 * The address rule of core/endpoint-rules.ts where names are resolved: at the API's check, and
 * again before and while a sender connects (the row may predate the rule, the operator's list may
 * have changed, a name may resolve elsewhere now).
 */

/** What `host` resolves to for the API's check: nothing to look up for an IP or an allowed host. */
export async function resolveForCheck(field: string, host: string, allowedHosts: ReadonlySet<string>): Promise<string[]> {
  if (isIP(host) !== 0 || allowedHosts.has(host)) return [];
  try {
    return (await lookup(host, { all: true })).map((entry) => entry.address);
  } catch {
    throw new SettingsRefused(field, `the host ${host} does not resolve; check ${field}`);
  }
}

/** Why a sender may not connect to `endpoint` now, or undefined; a name that does not resolve is left to the connection to report. */
export async function refusalOf(field: string, endpoint: Endpoint, allowedHosts: ReadonlySet<string>): Promise<string | undefined> {
  let addresses: string[] = [];
  if (isIP(endpoint.host) === 0 && !allowedHosts.has(endpoint.host)) {
    try {
      addresses = (await lookup(endpoint.host, { all: true })).map((entry) => entry.address);
    } catch {
      return undefined;
    }
  }
  const problem = checkEndpointHost(field, endpoint.host, addresses, allowedHosts)[0];
  return problem === undefined ? undefined : `${problem.message}; the connection was refused and nothing was sent`;
}

/** Thrown by `guardedLookup` for a host whose addresses include an internal one. */
export class BlockedEndpointError extends Error {
  readonly code = 'blocked_address';
}

/**
 * A `lookup` for `net.connect` that refuses a name resolving to an internal address: Node connects
 * to what `lookup` returns, so this checks the address connected to, whatever it was when the
 * attempt started. (An IP literal skips `lookup`; `refusalOf` checks it before connecting.)
 */
export function guardedLookup(field: string, allowedHosts: ReadonlySet<string>): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      const host = hostname.toLowerCase();
      const problem = checkEndpointHost(
        field,
        host,
        addresses.map((entry) => entry.address),
        allowedHosts,
      )[0];
      if (problem !== undefined) return callback(new BlockedEndpointError(problem.message), '', 0);
      if (options.all === true) return callback(null, addresses);
      const first = addresses[0];
      if (first === undefined) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 0);
      return callback(null, first.address, first.family);
    });
  };
}
