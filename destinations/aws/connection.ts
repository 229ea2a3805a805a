import { createHash } from 'node:crypto';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { checkServiceUrl, type DestinationProblem } from '../../core/destination-rules.js';
import { resolveUrlHost } from '../resolve-url-host.js';
import type { CheckContext } from '../server-kind.js';
import { guardedLookup, normalizeHost } from '../webhook/guard.js';

/** The settings every AWS type shares, as stored (the secret opened by the streamer). */
export interface AwsConnection {
  readonly region: string;
  readonly endpoint?: string | null | undefined;
  readonly access_key_id: string;
  readonly secret_access_key?: string | undefined;
}

/** Region names as AWS spells them (eu-west-1, us-gov-west-1) and as compatible stores accept them (garage, us-east-1). */
const regionPattern = /^[a-z0-9][a-z0-9-]{0,49}$/;

/**
 * The API's check of the shared settings of the type `type`: a region name, an endpoint held to
 * the webhook URL rules (https unless allowed, no internal address unless allowed), and a secret
 * given now or kept from before.
 */
export async function checkAwsConnection(type: string, settings: AwsConnection, context: CheckContext): Promise<DestinationProblem[]> {
  const problems: DestinationProblem[] = [];
  if (!regionPattern.test(settings.region))
    problems.push({ field: `${type}.region`, message: 'a region is lower-case letters, digits and dashes, such as eu-west-1' });
  const endpoint = settings.endpoint ?? undefined;
  if (endpoint !== undefined) {
    const field = `${type}.endpoint`;
    const addresses = await resolveUrlHost(endpoint, context.allowedHosts, field);
    problems.push(...checkServiceUrl(endpoint, addresses, context.allowedHosts, { field, noun: 'endpoints' }));
    if (problems.length === 0 && !['', '/'].includes(new URL(endpoint).pathname))
      problems.push({ field, message: 'an endpoint is a scheme, a host and a port only, such as https://s3.example.com' });
  }
  if (settings.secret_access_key === undefined && context.storedSecrets?.has('secret_access_key') !== true)
    problems.push({ field: `${type}.secret_access_key`, message: 'give the secret access key of access_key_id' });
  return problems;
}

/** Why an attempt is refused before anything is sent, in the delivery log's words; undefined when the endpoint may be used. */
export function refuseEndpoint(settings: AwsConnection, allowedHosts: ReadonlySet<string>): string | undefined {
  const endpoint = settings.endpoint ?? undefined;
  if (settings.secret_access_key === undefined) return 'the destination has no secret access key; give it again through the API';
  if (endpoint === undefined) return undefined;
  // Names are checked as they resolve, at every connection (guardedLookup); an IP literal here.
  const problem = checkServiceUrl(endpoint, [], allowedHosts, { field: 'endpoint', noun: 'endpoints' })[0];
  return problem === undefined ? undefined : `${problem.message}; nothing was sent`;
}

/**
 * How the SDK clients of one destination's settings are made: guarded sockets, and one SDK retry
 * at most, for a kept-alive connection the service closed meanwhile (the pipeline's schedule
 * retries everything else).
 */
export interface AwsClientConfig {
  readonly region: string;
  readonly endpoint?: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly maxAttempts: 2;
  /** Always HTTP/1.1 through guarded agents: Kinesis's client would otherwise pick HTTP/2, past the guard. */
  readonly requestHandler: NodeHttpHandler;
}

/**
 * The SDK configuration of a destination. The sockets resolve through guardedLookup: an endpoint
 * (or AWS host) resolving to an internal address is refused unless the operator allowed its host,
 * also when it resolved elsewhere when the destination was saved. A virtual-hosted bucket's host
 * (`<bucket>.<endpoint host>`) counts as its endpoint's.
 */
export function awsClientConfig(settings: AwsConnection, allowedHosts: ReadonlySet<string>, timeoutMs: number): AwsClientConfig {
  const endpoint = settings.endpoint ?? undefined;
  const endpointHost = endpoint === undefined ? undefined : normalizeHost(new URL(endpoint).hostname);
  const isAllowed = (host: string): boolean =>
    allowedHosts.has(host) || (endpointHost !== undefined && allowedHosts.has(endpointHost) && host.endsWith(`.${endpointHost}`));
  const lookup = guardedLookup(isAllowed);
  return {
    region: settings.region,
    ...(endpoint === undefined ? {} : { endpoint }),
    credentials: { accessKeyId: settings.access_key_id, secretAccessKey: settings.secret_access_key ?? '' },
    maxAttempts: 2,
    requestHandler: new NodeHttpHandler({
      httpAgent: new HttpAgent({ keepAlive: true, lookup }),
      httpsAgent: new HttpsAgent({ keepAlive: true, lookup }),
      connectionTimeout: timeoutMs,
      requestTimeout: timeoutMs,
    }),
  };
}

/** Tells settings apart without keeping the secret: the same settings give the same key. */
export function connectionKey(settings: AwsConnection, ...more: readonly unknown[]): string {
  const parts = [settings.region, settings.endpoint ?? null, settings.access_key_id, settings.secret_access_key ?? null, ...more];
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/** SDK clients by connection key, the least recently used destroyed past `max`. */
export interface ClientCache<Client> {
  get(key: string, make: () => Client): Client;
  close(): void;
  readonly size: number;
}

export function createClientCache<Client extends { destroy(): void }>(max = 256): ClientCache<Client> {
  const clients = new Map<string, Client>();
  return {
    get(key, make) {
      let client = clients.get(key);
      if (client === undefined) client = make();
      clients.delete(key);
      clients.set(key, client);
      if (clients.size > max) {
        const [oldest] = clients;
        if (oldest !== undefined) {
          clients.delete(oldest[0]);
          oldest[1].destroy();
        }
      }
      return client;
    },
    close() {
      for (const client of clients.values()) client.destroy();
      clients.clear();
    },
    get size() {
      return clients.size;
    },
  };
}
