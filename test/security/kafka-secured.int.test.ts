import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPublisherConfig } from '../../adapters/config.js';
import { PipelineError } from '../../adapters/errors.js';
import { connectKafka, createKafka } from '../../adapters/kafka/index.js';
import type { KafkaSecurity } from '../../adapters/kafka/security.js';
import { createRegistryClient } from '../../adapters/registry.js';
import { ConfigError } from '../../adapters/errors.js';
import { startMaterializer } from '../../consumers/materializer/index.js';
import { createPublisher } from '../../producers/publisher.js';
import { sampleData } from '../harness/samples.js';
import { useTestContext } from '../harness/index.js';
import { createTestLogger } from '../harness/log-sink.js';
import { materializerOptions, waitFor } from '../harness/materializer.js';
import {
  againstImpostor,
  refusedCertificates,
  securedKafka,
  signWithStackCa,
  startTlsServer,
  type SignedCertificate,
} from '../harness/tls.js';
import { startWebhookReceiver } from '../harness/webhook-receiver.js';
import { startStreamerStack } from '../consumers/streamer/setup.js';

const ctx = useTestContext('kafka_secured');
const secured = securedKafka();
const ca = fs.readFileSync(secured.caFile, 'utf8');
const logger = createTestLogger('error');
const scram: KafkaSecurity = {
  protocol: 'SASL_SSL',
  tls: { ca, verifyHostname: true },
  sasl: { mechanism: 'SCRAM-SHA-512', username: secured.username, password: secured.password },
};
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'evp-test-secured-'));
const passwordFile = path.join(dir, 'password');
fs.writeFileSync(passwordFile, `${secured.password}\n`, { mode: 0o600 });

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Connects an admin client as a service does, and gives back the error it fails with. */
async function failureOf(brokers: readonly string[], security: KafkaSecurity): Promise<PipelineError> {
  const admin = createKafka({ brokers, security, clientId: 'secured-test', logger, quiet: true, retry: { retries: 1 } }).admin();
  try {
    await connectKafka({ brokers, security }, admin);
  } catch (error) {
    if (error instanceof PipelineError) return error;
    throw error;
  } finally {
    await admin.disconnect();
  }
  throw new Error('the connection succeeded');
}

describe('a secured Kafka', () => {
  it('takes SCRAM-SHA-256, SCRAM-SHA-512 and PLAIN over TLS, PLAIN without TLS, and a client certificate', async () => {
    const cases: [readonly string[], KafkaSecurity][] = [
      [secured.saslSsl, scram],
      [secured.saslSsl, { ...scram, sasl: { mechanism: 'SCRAM-SHA-256', username: secured.username, password: secured.password } }],
      [secured.saslSsl, { ...scram, sasl: { mechanism: 'PLAIN', username: secured.username, password: secured.password } }],
      [
        secured.saslPlaintext,
        { protocol: 'SASL_PLAINTEXT', sasl: { mechanism: 'PLAIN', username: secured.username, password: secured.password } },
      ],
      [
        secured.ssl,
        {
          protocol: 'SSL',
          tls: {
            ca,
            cert: fs.readFileSync(secured.clientCertFile, 'utf8'),
            key: fs.readFileSync(secured.clientKeyFile, 'utf8'),
            verifyHostname: true,
          },
        },
      ],
    ];
    for (const [brokers, security] of cases) {
      const admin = createKafka({ brokers, security, clientId: 'secured-test', logger }).admin();
      await connectKafka({ brokers, security }, admin);
      const cluster = await admin.describeCluster();
      await admin.disconnect();
      expect(cluster.brokers.length, `${security.protocol} ${security.sasl?.mechanism ?? ''}`).toBeGreaterThan(0);
    }
  });

  it('refuses each wrong setting at the first connection, naming the variable to fix and never the password', async () => {
    const expired = await signWithStackCa(secured.caFile, 'IP:127.0.0.1', -1);
    const misnamed = await signWithStackCa(secured.caFile, 'DNS:kafka.other.example', 30);
    const servers = await Promise.all([startTlsServer(expired), startTlsServer(misnamed)]);
    const [expiredServer, misnamedServer] = servers as [{ port: number }, { port: number }];
    const wrong = 'not-the-password-4711';
    const cases: { name: string; brokers: readonly string[]; security: KafkaSecurity; code: string; says: RegExp }[] = [
      {
        name: 'a wrong password',
        brokers: secured.saslSsl,
        security: { ...scram, sasl: { mechanism: 'SCRAM-SHA-512', username: secured.username, password: wrong } },
        code: 'EVP_KAFKA_AUTHENTICATION_FAILED',
        says: /refused the credentials.*KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD/,
      },
      {
        name: 'a mechanism the listener does not offer',
        brokers: secured.saslSsl,
        security: { ...scram, sasl: { mechanism: 'OAUTHBEARER', token: () => Promise.resolve('token') } },
        code: 'EVP_KAFKA_AUTHENTICATION_FAILED',
        says: /does not offer the SASL mechanism OAUTHBEARER: set KAFKA_SASL_MECHANISM/,
      },
      {
        name: 'a certificate from a CA the client was not given',
        brokers: secured.saslSsl,
        security: { ...scram, tls: { verifyHostname: true } },
        code: 'EVP_KAFKA_TLS_FAILED',
        says: /does not trust \(SELF_SIGNED_CERT_IN_CHAIN\): set KAFKA_SSL_CA_FILE/,
      },
      {
        name: 'an expired certificate',
        brokers: [`127.0.0.1:${expiredServer.port}`],
        security: { protocol: 'SSL', tls: { ca, verifyHostname: true } },
        code: 'EVP_KAFKA_TLS_FAILED',
        says: /not valid now \(CERT_HAS_EXPIRED\)/,
      },
      {
        name: 'a certificate for another host',
        brokers: [`127.0.0.1:${misnamedServer.port}`],
        security: { protocol: 'SSL', tls: { ca, verifyHostname: true } },
        code: 'EVP_KAFKA_TLS_FAILED',
        says: /certificate for another host.*KAFKA_SSL_VERIFY_HOSTNAME=false/,
      },
      {
        name: 'a plaintext client at a TLS listener',
        brokers: secured.saslSsl,
        security: { protocol: 'PLAINTEXT' },
        code: 'EVP_KAFKA_AUTHENTICATION_FAILED',
        says: /closed the connection before answering.*Set KAFKA_SECURITY_PROTOCOL/,
      },
      {
        name: 'a TLS client at a plaintext listener',
        brokers: ctx.endpoints.kafkaBrokers,
        security: { protocol: 'SSL', tls: { ca, verifyHostname: true } },
        code: 'EVP_KAFKA_TLS_FAILED',
        says: /the listener is not TLS; set KAFKA_SECURITY_PROTOCOL to PLAINTEXT/,
      },
      {
        name: 'a client without SASL at a SASL listener',
        brokers: secured.saslPlaintext,
        security: { protocol: 'PLAINTEXT' },
        code: 'EVP_KAFKA_AUTHENTICATION_FAILED',
        says: /closed the connection before answering/,
      },
      {
        name: 'SASL at a listener without it',
        brokers: ctx.endpoints.kafkaBrokers,
        security: { protocol: 'SASL_PLAINTEXT', sasl: { mechanism: 'PLAIN', username: secured.username, password: wrong } },
        code: 'EVP_KAFKA_AUTHENTICATION_FAILED',
        says: /listener without SASL: set KAFKA_SECURITY_PROTOCOL to PLAINTEXT/,
      },
      {
        name: 'no client certificate where one is required',
        brokers: secured.ssl,
        security: { protocol: 'SSL', tls: { ca, verifyHostname: true } },
        code: 'EVP_KAFKA_TLS_FAILED',
        says: /refused this client's certificate.*KAFKA_SSL_CERT_FILE/,
      },
      {
        name: 'an unreachable broker',
        brokers: ['127.0.0.1:1'],
        security: scram,
        code: 'EVP_KAFKA_UNREACHABLE',
        says: /unreachable.*KAFKA_BROKERS/,
      },
    ];
    try {
      for (const { name, brokers, security, code, says } of cases) {
        const error = await failureOf(brokers, security);
        expect({ name, code: error.code }).toEqual({ name, code });
        expect(error.message, name).toMatch(says);
        expect(error.message, name).not.toContain(wrong);
        expect(error.message, name).not.toContain(secured.password);
        expect(error.retriable, name).toBe(code === 'EVP_KAFKA_UNREACHABLE');
      }
    } finally {
      await Promise.all(servers.map((server) => server.close()));
    }
  });

  it('reads the same settings from the environment, and refuses contradicting ones by name', () => {
    const config = loadPublisherConfig({
      KAFKA_BROKERS: secured.saslSsl.join(','),
      KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
      KAFKA_SASL_USERNAME: secured.username,
      KAFKA_SASL_PASSWORD_FILE: passwordFile,
      KAFKA_SSL_CA_FILE: secured.caFile,
    });
    expect(config.kafkaSecurity).toEqual(scram);
    const refused = (env: Record<string, string>) => {
      try {
        loadPublisherConfig(env);
      } catch (error) {
        if (error instanceof ConfigError) return error.message;
      }
      return 'accepted';
    };
    expect(refused({ KAFKA_SECURITY_PROTOCOL: 'SASL_SSL' })).toMatch(
      /KAFKA_SASL_MECHANISM="": must be set with KAFKA_SECURITY_PROTOCOL=SASL_SSL/,
    );
    expect(refused({ KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512' })).toMatch(
      /KAFKA_SASL_USERNAME.*must be set[\s\S]*KAFKA_SASL_PASSWORD.*must be set/,
    );
    expect(refused({ KAFKA_SASL_MECHANISM: 'PLAIN' })).toMatch(
      /KAFKA_SASL_MECHANISM="PLAIN": is set but KAFKA_SECURITY_PROTOCOL=PLAINTEXT uses no SASL/,
    );
    expect(refused({ KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SSL_CA_FILE: path.join(dir, 'missing.pem') })).toMatch(
      /KAFKA_SSL_CA_FILE=.*cannot be read \(ENOENT\)/,
    );
    expect(refused({ KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SSL_CA_FILE: passwordFile })).toMatch(
      /KAFKA_SSL_CA_FILE=.*holds no PEM certificate/,
    );
    expect(refused({ KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SSL_CERT_FILE: secured.clientCertFile })).toMatch(
      /KAFKA_SSL_KEY_FILE=.*must be set too/,
    );
    expect(refused({ KAFKA_SECURITY_PROTOCOL: 'TLS' })).toMatch(
      /KAFKA_SECURITY_PROTOCOL="TLS": must be one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL/,
    );
    // The password's value never appears, set directly or from a file.
    expect(refused({ KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SASL_PASSWORD: secured.password })).not.toContain(secured.password);
  });

  it('carries events from a publisher through the materializer and the streamer to a webhook, all over SASL_SSL with SCRAM', async () => {
    const stack = await startStreamerStack(ctx, {
      startStreamer: false,
      overrides: { kafkaBrokers: secured.saslSsl, kafkaSecurity: scram, allowedKafkaBrokers: secured.saslSsl },
    });
    const receiver = await startWebhookReceiver();
    const publisher = createPublisher(
      loadPublisherConfig({
        KAFKA_BROKERS: secured.saslSsl.join(','),
        KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
        KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
        KAFKA_SASL_USERNAME: secured.username,
        KAFKA_SASL_PASSWORD_FILE: passwordFile,
        KAFKA_SSL_CA_FILE: secured.caFile,
        SCHEMA_REGISTRY_URL: ctx.endpoints.schemaRegistryUrl,
        TOPIC_PREFIX: ctx.topicPrefix,
      }),
      { service: 'secured', logger },
    );
    const materializer = await startMaterializer(
      materializerOptions(ctx, stack.schema, { kafkaBrokers: secured.saslSsl, kafkaSecurity: scram }),
    );
    try {
      await stack.startStreamer();
      const destination = await stack.createDestination({
        type: 'webhook',
        event_types: ['invoice.*'],
        webhook: { url: receiver.url },
      });
      receiver.secret = destination.secret;
      const published: string[] = [];
      for (let i = 0; i < 10; i++) {
        const result = await publisher.publishUntyped('invoice.created', {
          organization_id: stack.organizationId,
          data: { ...sampleData('invoice', `inv_sec_${i}`), id: `inv_sec_${i}` },
        });
        published.push(result.eventId);
      }
      const stored = await waitFor(
        () => stack.pool.query<{ id: string }>('select id from events where id = any($1)', [published]),
        (result) => result.rows.length === published.length,
        60_000,
        'the published events in PostgreSQL',
      );
      expect(new Set(stored.rows.map((row) => row.id))).toEqual(new Set(published));
      await stack.settled(destination.id, published.length);
      expect(new Set(receiver.accepted().map((request) => (request.json as { id: string }).id))).toEqual(new Set(published));
      expect(receiver.received.every((request) => request.verified)).toBe(true);
    } finally {
      await materializer.stop();
      await publisher.close();
      await receiver.close();
      await stack.stop();
    }
  });
});

/** An unsigned token as Kafka's unsecured OAUTHBEARER validator takes it: `alg: none`, `sub` and `exp`. */
function unsignedToken(subject: string, expiresInS: number): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${part({ alg: 'none' })}.${part({ sub: subject, iat: now, exp: now + expiresInS })}.`;
}

/** An OAuth token endpoint (client credentials) on a local port: `svc` / `s3cret` get the token `issue` makes. */
async function startTokenEndpoint(issue: () => string) {
  let asked = 0;
  const server = http.createServer((request, response) => {
    asked++;
    const expected = `Basic ${Buffer.from('svc:s3cret').toString('base64')}`;
    if (request.headers.authorization !== expected) {
      response.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid_client"}');
      return;
    }
    response
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ access_token: issue(), token_type: 'Bearer', expires_in: 3600 }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/oauth2/token`,
    asked: () => asked,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('OAUTHBEARER with tokens from a token endpoint (client credentials)', () => {
  const oauthEnv = (url: string, secret: string) => ({
    KAFKA_BROKERS: secured.saslPlaintext.join(','),
    KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT',
    KAFKA_SASL_MECHANISM: 'OAUTHBEARER',
    KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL: url,
    KAFKA_SASL_OAUTHBEARER_CLIENT_ID: 'svc',
    KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET: secret,
    SCHEMA_REGISTRY_URL: ctx.endpoints.schemaRegistryUrl,
    TOPIC_PREFIX: ctx.topicPrefix,
  });

  it('publishes through the SDK and connects admin clients, asking the endpoint for a token', async () => {
    const endpoint = await startTokenEndpoint(() => unsignedToken('svc', 3600));
    const config = loadPublisherConfig(oauthEnv(endpoint.url, 's3cret'));
    const publisher = createPublisher(config, { service: 'oauth', logger, autoRegister: true });
    try {
      await ctx.createTopic('invoice', 3);
      const result = await publisher.publishUntyped('invoice.created', {
        organization_id: 'org_oauth',
        data: sampleData('invoice', 'inv_oauth'),
      });
      expect(result.offset).toMatch(/^\d+$/);
      expect(endpoint.asked()).toBeGreaterThan(0);
      const admin = createKafka({ brokers: secured.saslPlaintext, security: config.kafkaSecurity, clientId: 'oauth-test', logger }).admin();
      await connectKafka({ brokers: secured.saslPlaintext, security: config.kafkaSecurity }, admin);
      const offsets = await admin.fetchTopicOffsets(result.topic);
      await admin.disconnect();
      expect(offsets.find((entry) => entry.partition === result.partition)?.high).toBe(String(BigInt(result.offset) + 1n));
    } finally {
      await publisher.close();
      await endpoint.close();
    }
  });

  it('fails within seconds naming the settings when the endpoint refuses the client, and when the broker refuses the token', async () => {
    const endpoint = await startTokenEndpoint(() => 'not-a-jws');
    try {
      const refusedClient = loadPublisherConfig(oauthEnv(endpoint.url, 'wrong-secret')).kafkaSecurity;
      const first = await failureOf(secured.saslPlaintext, refusedClient);
      expect(first.code).toBe('EVP_KAFKA_AUTHENTICATION_FAILED');
      expect(first.message).toMatch(/refused the client credentials \(HTTP 401 invalid_client\).*KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET/);
      expect(first.message).not.toContain('wrong-secret');
      // A token the broker cannot read: its refusal (the same broker took the well-formed one above).
      const unreadable = loadPublisherConfig(oauthEnv(endpoint.url, 's3cret')).kafkaSecurity;
      const second = await failureOf(secured.saslPlaintext, unreadable);
      expect(second.code).toBe('EVP_KAFKA_AUTHENTICATION_FAILED');
      expect(second.message).toMatch(/refused the OAuth token.*KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL/);
    } finally {
      await endpoint.close();
    }
  });
});

/** A registry behind an HTTPS proxy (certificate from the stack's CA) that asks for basic auth or a bearer token. */
async function startAuthenticatingRegistry(certificate: SignedCertificate, accepted: readonly string[]) {
  const target = new URL(ctx.endpoints.schemaRegistryUrl);
  const seen: (string | undefined)[] = [];
  const server = https.createServer({ cert: certificate.cert, key: certificate.key }, (request, response) => {
    seen.push(request.headers.authorization);
    if (!accepted.includes(request.headers.authorization ?? '')) {
      response.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Basic realm="registry"' });
      response.end(JSON.stringify({ error_code: 401, message: 'Unauthorized' }));
      return;
    }
    const forwarded = http.request(
      {
        host: target.hostname,
        port: target.port,
        path: request.url,
        method: request.method,
        headers: { ...request.headers, host: target.host },
      },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    forwarded.on('error', () => response.destroy());
    request.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `https://127.0.0.1:${port}${target.pathname}`,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('a registry that asks for credentials', () => {
  let registry: Awaited<ReturnType<typeof startAuthenticatingRegistry>>;
  const basic = `Basic ${Buffer.from('registry-key:registry-secret').toString('base64')}`;
  const tokenFile = path.join(dir, 'token');

  beforeAll(async () => {
    fs.writeFileSync(tokenFile, 'token-1\n');
    registry = await startAuthenticatingRegistry(await signWithStackCa(secured.caFile, 'IP:127.0.0.1', 30), [basic, 'Bearer token-2']);
  });

  afterAll(() => registry?.close());

  it('is reached with basic auth, from the settings or the URL, and with a bearer token read again at every request', async () => {
    const config = loadPublisherConfig({
      SCHEMA_REGISTRY_URL: registry.url,
      SCHEMA_REGISTRY_USERNAME: 'registry-key',
      SCHEMA_REGISTRY_PASSWORD: 'registry-secret',
      SCHEMA_REGISTRY_CA_FILE: secured.caFile,
    });
    expect(await createRegistryClient({ url: registry.url, auth: config.registryAuth }).globalCompatibility()).toMatch(/^[A-Z_]+$/);

    const inUrl = registry.url.replace('https://', 'https://registry-key:registry-secret@');
    const fromUrl = createRegistryClient({ url: inUrl, auth: { ca } });
    expect(fromUrl.url).not.toContain('registry-secret');
    expect(await fromUrl.globalCompatibility()).toMatch(/^[A-Z_]+$/);

    const bearer = loadPublisherConfig({
      SCHEMA_REGISTRY_URL: registry.url,
      SCHEMA_REGISTRY_BEARER_TOKEN_FILE: tokenFile,
      SCHEMA_REGISTRY_CA_FILE: secured.caFile,
    });
    const client = createRegistryClient({ url: registry.url, auth: bearer.registryAuth });
    // token-1 is refused; the sidecar writes token-2 and the next request carries it.
    await expect(client.globalCompatibility()).rejects.toMatchObject({ code: 'EVP_REGISTRY_UNAUTHORIZED' });
    fs.writeFileSync(tokenFile, 'token-2\n');
    expect(await client.globalCompatibility()).toMatch(/^[A-Z_]+$/);
  });

  it('answers a 401 at once, naming the settings and not the secret, and refuses an untrusted certificate without retrying', async () => {
    const before = registry.seen.length;
    const wrong = createRegistryClient({ url: registry.url, auth: { basic: { username: 'registry-key', password: 'wrong-secret' }, ca } });
    const refused = await wrong.globalCompatibility().then(
      () => undefined,
      (error: unknown) => error as PipelineError,
    );
    expect(refused?.code).toBe('EVP_REGISTRY_UNAUTHORIZED');
    expect(refused?.retriable).toBe(false);
    expect(refused?.message).toMatch(
      /refused the credentials of registry-key \(SCHEMA_REGISTRY_USERNAME, SCHEMA_REGISTRY_PASSWORD\) with HTTP 401/,
    );
    expect(refused?.message).not.toContain('wrong-secret');
    expect(registry.seen.length - before).toBe(1);

    const none = await createRegistryClient({ url: registry.url, auth: { ca } })
      .globalCompatibility()
      .catch((error: unknown) => error as PipelineError);
    expect((none as PipelineError).message).toMatch(/refused no credentials with HTTP 401: set SCHEMA_REGISTRY_USERNAME/);

    const untrusted = await createRegistryClient({
      url: registry.url,
      auth: { basic: { username: 'registry-key', password: 'registry-secret' } },
    })
      .globalCompatibility()
      .catch((error: unknown) => error as PipelineError);
    expect((untrusted as PipelineError).message).toMatch(
      /the TLS handshake with the schema registry at \S+ failed \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\): no CA this client trusts signed its certificate; set SCHEMA_REGISTRY_CA_FILE/,
    );
    expect((untrusted as PipelineError).retriable).toBe(false);
  });

  it.each(refusedCertificates('SCHEMA_REGISTRY_URL'))('refuses %s at once, saying what fixes it', async (_name, names, days, says) => {
    const refused = await againstImpostor(names, days, (port) =>
      createRegistryClient({ url: `https://127.0.0.1:${port}/apis/ccompat/v7`, auth: { ca } })
        .globalCompatibility()
        .catch((error: unknown) => error as PipelineError),
    );
    expect((refused as PipelineError).message).toMatch(says);
    expect((refused as PipelineError).retriable).toBe(false);
  });
});
