import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { SettingsRefused } from './server-kind.js';

/**
 * What a URL's host resolves to, for the API's check of the URL setting `field`: nothing to look
 * up for an IP, an allowed host or text that is no URL (the check says why); a host that does not
 * resolve ends the check, naming the field.
 */
export async function resolveUrlHost(url: string, allowedHosts: ReadonlySet<string>, field: string): Promise<string[]> {
  let host: string;
  try {
    host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return [];
  }
  if (isIP(host) || allowedHosts.has(host.toLowerCase())) return [];
  try {
    return (await lookup(host, { all: true })).map((entry) => entry.address);
  } catch {
    throw new SettingsRefused(field, `The host ${host} does not resolve; check the URL.`);
  }
}
