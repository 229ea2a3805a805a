import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { buildConnector } from 'undici';
import { isInternalAddress } from '../../core/network-address.js';

/** Thrown by the connector when a host is, or resolves to, an internal address it may not reach. */
export class BlockedAddressError extends Error {
  readonly code = 'blocked_address';

  constructor(host: string, resolved: boolean) {
    // The address a name resolved to is not named: the delivery log is shown to the destination's owner.
    super(
      `${host} ${resolved ? 'resolves to' : 'is'} an internal address (loopback, private, link-local or reserved); the connection was refused. Add the host to DESTINATION_ALLOWED_HOSTS to allow it`,
    );
  }
}

export function normalizeHost(host: string): string {
  return host
    .trim()
    .replace(/^\[|\]$/g, '')
    .toLowerCase();
}

/** Refusals made before connecting: not http(s), or plain http to a host that is not allowed. */
export function checkUrl(text: string, allowed: ReadonlySet<string>): { code: string; message: string } | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { code: 'invalid_url', message: `${JSON.stringify(text)} is not a URL; fix the destination's webhook URL` };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return { code: 'insecure_url', message: `webhook URLs must be https (got ${url.protocol})` };
  const host = normalizeHost(url.hostname);
  if (url.protocol === 'http:' && !allowed.has(host)) {
    return {
      code: 'insecure_url',
      message: `webhook URLs must be https; http is allowed only for hosts in DESTINATION_ALLOWED_HOSTS (${host} is not)`,
    };
  }
  return undefined;
}

/**
 * undici's connector, guarded. Node's `net.connect` resolves a host name through `lookup` and
 * connects to what it returns, so checking there is checking the address connected to. An IP
 * literal skips `lookup` in Node, so it is checked before the connector is called.
 */
export function createGuardedConnector(allowed: ReadonlySet<string>, timeoutMs: number): buildConnector.connector {
  const connector = buildConnector({ lookup: guardedLookup((host) => allowed.has(host)), timeout: timeoutMs });
  return (connectOptions, callback) => {
    const host = normalizeHost(connectOptions.hostname);
    if (isIP(host) !== 0 && !allowed.has(host) && isInternalAddress(host)) return callback(new BlockedAddressError(host, false), null);
    return connector(connectOptions, callback);
  };
}

/**
 * A `lookup` for Node's sockets that refuses a host resolving to an internal address unless
 * `isAllowed(host)`: every address of the host is checked, whichever Node then tries first
 * (autoSelectFamily tries several). An IP literal never reaches it: check those before connecting.
 */
export function guardedLookup(isAllowed: (host: string) => boolean): LookupFunction {
  return (hostname, lookupOptions, callback) => {
    dnsLookup(hostname, { ...lookupOptions, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      const host = normalizeHost(hostname);
      const internal = isAllowed(host) ? undefined : addresses.find((entry) => isInternalAddress(entry.address));
      if (internal !== undefined) return callback(new BlockedAddressError(host, isIP(host) === 0), '', 0);
      if (lookupOptions.all === true) return callback(null, addresses);
      const first = addresses[0];
      if (first === undefined) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 0);
      return callback(null, first.address, first.family);
    });
  };
}
