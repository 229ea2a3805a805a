import { KafkaError, kafkaErrorCodes } from '../errors.js';

/**
 * OAUTHBEARER tokens from an OAuth 2.0 token endpoint with the client-credentials grant (RFC 6749
 * §4.4), as Kafka's own `sasl.oauthbearer.token.endpoint.url` login does: what MSK, Confluent
 * Cloud and Keycloak- or Okta-fronted clusters take. A token is kept until shortly before it
 * expires; callers that ask at once share one request. A failure names the endpoint and the
 * setting to fix, never the secret.
 */
export interface ClientCredentials {
  readonly tokenEndpointUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Space-separated scopes to ask for; unset: the endpoint's default. */
  readonly scope?: string | undefined;
  /** How the request is made. @defaultValue globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** Gives up on the endpoint after so long, in ms. @defaultValue 10000 */
  readonly timeoutMs?: number;
}

/** A token is renewed when this share of its lifetime has passed (Kafka's default refresh window factor). */
const refreshFactor = 0.8;

const failure = (message: string, cause?: unknown) =>
  new KafkaError(kafkaErrorCodes.authenticationFailed, message, { cause, retriable: false });

export function clientCredentialsToken(credentials: ClientCredentials): () => Promise<string> {
  const doFetch = credentials.fetch ?? fetch;
  const endpoint = credentials.tokenEndpointUrl;
  let held: { token: string; renewAt: number } | undefined;
  let asking: Promise<string> | undefined;

  async function ask(): Promise<string> {
    const body = new URLSearchParams({ grant_type: 'client_credentials' });
    if (credentials.scope !== undefined) body.set('scope', credentials.scope);
    // Client authentication by HTTP basic auth, the form every authorization server must accept (RFC 6749 §2.3.1).
    const basic = Buffer.from(`${encodeURIComponent(credentials.clientId)}:${encodeURIComponent(credentials.clientSecret)}`).toString(
      'base64',
    );
    let response: Response;
    try {
      response = await doFetch(endpoint, {
        method: 'POST',
        headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body,
        redirect: 'error',
        signal: AbortSignal.timeout(credentials.timeoutMs ?? 10_000),
      });
    } catch (error) {
      throw failure(
        `The OAuth token endpoint ${endpoint} could not be reached (${(error as Error).message}): check KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL`,
        error,
      );
    }
    const text = await response.text().catch(() => '');
    if (response.status === 400 || response.status === 401) {
      const code = /"error"\s*:\s*"([a-z_]+)"/.exec(text)?.[1];
      throw failure(
        `The OAuth token endpoint ${endpoint} refused the client credentials (HTTP ${response.status}${code === undefined ? '' : ` ${code}`}): check KAFKA_SASL_OAUTHBEARER_CLIENT_ID and KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET${credentials.scope === undefined ? '' : ' and KAFKA_SASL_OAUTHBEARER_SCOPE'}`,
      );
    }
    if (!response.ok) throw failure(`The OAuth token endpoint ${endpoint} answered HTTP ${response.status}; no token was issued`);
    let answer: { access_token?: unknown; expires_in?: unknown };
    try {
      answer = JSON.parse(text) as typeof answer;
    } catch {
      throw failure(
        `The OAuth token endpoint ${endpoint} answered something other than JSON: is KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL its token URL?`,
      );
    }
    if (typeof answer.access_token !== 'string' || answer.access_token === '')
      throw failure(`The OAuth token endpoint ${endpoint} answered without an access_token`);
    // Without expires_in, the token is asked for again at the next authentication after a minute.
    const lifetimeS = typeof answer.expires_in === 'number' && answer.expires_in > 0 ? answer.expires_in : 60;
    held = { token: answer.access_token, renewAt: Date.now() + lifetimeS * 1000 * refreshFactor };
    return answer.access_token;
  }

  return async () => {
    if (held !== undefined && Date.now() < held.renewAt) return held.token;
    asking ??= ask().finally(() => (asking = undefined));
    return asking;
  };
}
