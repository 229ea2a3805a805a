import fs from 'node:fs/promises';
import { z } from 'zod';
import { kafkaSaslMechanisms, kafkaSecurityProtocols, usesSasl, usesTls, type KafkaSasl, type KafkaSecurity } from '../kafka/security.js';
import { clientCredentialsToken } from '../kafka/oauth.js';
import type { RegistryAuth } from '../registry.js';
import { pemFile, refreshedFile, secretFile } from './files.js';
import { booleanSetting, commaList, optionalText, settingGroup, wholeNumber, type SettingValues } from './setting.js';

/** How the pipeline's clients authenticate to its Kafka and check its certificate (README, "Connecting to a secured cluster"). */
const securitySettings = {
  KAFKA_SECURITY_PROTOCOL: {
    schema: z.enum(kafkaSecurityProtocols, { error: `must be one of ${kafkaSecurityProtocols.join(', ')}` }).default('PLAINTEXT'),
    doc: "the brokers' listener: `PLAINTEXT`, `SSL` (TLS), `SASL_PLAINTEXT` or `SASL_SSL` (SASL over TLS, what managed clusters use)",
  },
  KAFKA_SASL_MECHANISM: {
    schema: optionalText.pipe(z.enum(kafkaSaslMechanisms, { error: `must be one of ${kafkaSaslMechanisms.join(', ')}` }).optional()),
    doc: '`PLAIN`, `SCRAM-SHA-256`, `SCRAM-SHA-512` or `OAUTHBEARER`; required with a `SASL_*` protocol',
    shownDefault: 'unset',
  },
  KAFKA_SASL_USERNAME: { schema: optionalText, doc: 'the SASL user (PLAIN, SCRAM); a Confluent Cloud API key', shownDefault: 'unset' },
  KAFKA_SASL_PASSWORD: {
    schema: optionalText,
    doc: 'its password (a Confluent Cloud API secret); or `KAFKA_SASL_PASSWORD_FILE`',
    shownDefault: 'unset',
  },
  KAFKA_SASL_PASSWORD_FILE: { schema: secretFile, doc: 'a file holding the SASL password', shownDefault: 'unset' },
  KAFKA_SASL_OAUTHBEARER_TOKEN_FILE: {
    schema: refreshedFile,
    doc: 'OAUTHBEARER: a file holding the current access token, read again at every authentication (a sidecar refreshes it)',
    shownDefault: 'unset',
  },
  KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL: {
    schema: optionalText.pipe(
      z.url({ protocol: /^https?$/, error: 'must be an http(s) URL, e.g. https://login.example.com/oauth2/token' }).optional(),
    ),
    doc: "OAUTHBEARER: an OAuth 2.0 token endpoint to get access tokens from with the client-credentials grant (Kafka's `sasl.oauthbearer.token.endpoint.url`); instead of a token file",
    shownDefault: 'unset',
  },
  KAFKA_SASL_OAUTHBEARER_CLIENT_ID: { schema: optionalText, doc: 'OAUTHBEARER: the OAuth client id', shownDefault: 'unset' },
  KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET: {
    schema: optionalText,
    doc: 'OAUTHBEARER: the OAuth client secret; or `KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET_FILE`',
    shownDefault: 'unset',
  },
  KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET_FILE: { schema: secretFile, doc: 'a file holding the OAuth client secret', shownDefault: 'unset' },
  KAFKA_SASL_OAUTHBEARER_SCOPE: {
    schema: optionalText,
    doc: 'OAUTHBEARER: the scopes to ask the token endpoint for, space-separated',
    shownDefault: "the endpoint's default",
  },
  KAFKA_SSL_CA_FILE: {
    schema: pemFile('CERTIFICATE', '/etc/kafka/ca.pem'),
    doc: "PEM certificates to trust for the brokers' certificates",
    shownDefault: "the system's CA store",
  },
  KAFKA_SSL_CERT_FILE: {
    schema: pemFile('CERTIFICATE', '/etc/kafka/client.pem'),
    doc: "mTLS: the client's PEM certificate chain",
    shownDefault: 'unset',
  },
  KAFKA_SSL_KEY_FILE: {
    schema: pemFile('PRIVATE KEY', '/etc/kafka/client.key'),
    doc: "mTLS: the client's PEM private key",
    shownDefault: 'unset',
  },
  KAFKA_SSL_KEY_PASSWORD: { schema: optionalText, doc: 'the passphrase of an encrypted `KAFKA_SSL_KEY_FILE`', shownDefault: 'unset' },
  KAFKA_SSL_VERIFY_HOSTNAME: {
    schema: booleanSetting(true),
    doc: "whether a broker's certificate must name the host connected to; `false` only for brokers reached by an address their certificate lacks",
  },
};

type SecurityValues = SettingValues<typeof securitySettings>;

/** A token kept in a file that is read again each time it is needed. */
const refreshedToken = (file: string) => async (): Promise<string> => (await fs.readFile(file, 'utf8')).trim();

function saslOf(e: SecurityValues): KafkaSasl | undefined {
  const mechanism = e.KAFKA_SASL_MECHANISM;
  if (!usesSasl(e.KAFKA_SECURITY_PROTOCOL) || mechanism === undefined) return undefined;
  if (mechanism === 'OAUTHBEARER') {
    const endpoint = e.KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL;
    if (endpoint === undefined) return { mechanism, token: refreshedToken(e.KAFKA_SASL_OAUTHBEARER_TOKEN_FILE ?? '') };
    return {
      mechanism,
      token: clientCredentialsToken({
        tokenEndpointUrl: endpoint,
        clientId: e.KAFKA_SASL_OAUTHBEARER_CLIENT_ID ?? '',
        clientSecret: e.KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET ?? e.KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET_FILE ?? '',
        scope: e.KAFKA_SASL_OAUTHBEARER_SCOPE,
      }),
    };
  }
  return { mechanism, username: e.KAFKA_SASL_USERNAME ?? '', password: e.KAFKA_SASL_PASSWORD ?? e.KAFKA_SASL_PASSWORD_FILE ?? '' };
}

function securityOf(e: SecurityValues): KafkaSecurity {
  const protocol = e.KAFKA_SECURITY_PROTOCOL;
  const tls = usesTls(protocol)
    ? {
        ca: e.KAFKA_SSL_CA_FILE,
        cert: e.KAFKA_SSL_CERT_FILE,
        key: e.KAFKA_SSL_KEY_FILE,
        keyPassword: e.KAFKA_SSL_KEY_PASSWORD,
        verifyHostname: e.KAFKA_SSL_VERIFY_HOSTNAME,
      }
    : undefined;
  return { protocol, tls, sasl: saslOf(e) };
}

/** OAUTHBEARER takes its token from a file or from a token endpoint, one of them, with the endpoint's credentials. */
function checkOauthbearer(e: SecurityValues, problem: (variable: string, message: string) => void): void {
  const file = e.KAFKA_SASL_OAUTHBEARER_TOKEN_FILE;
  const endpoint = e.KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL;
  if (file === undefined && endpoint === undefined) {
    problem(
      'KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL',
      'must be set with KAFKA_SASL_MECHANISM=OAUTHBEARER (or KAFKA_SASL_OAUTHBEARER_TOKEN_FILE for a token a sidecar refreshes)',
    );
  }
  if (file !== undefined && endpoint !== undefined)
    problem('KAFKA_SASL_OAUTHBEARER_TOKEN_FILE', 'is set as well as KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL: set one of them');
  if (endpoint === undefined) {
    for (const variable of oauthClientVariables)
      if (e[variable] !== undefined)
        problem(variable, 'is set but KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL is not: the client credentials are for a token endpoint');
    return;
  }
  if (e.KAFKA_SASL_OAUTHBEARER_CLIENT_ID === undefined)
    problem('KAFKA_SASL_OAUTHBEARER_CLIENT_ID', 'must be set with KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL');
  const secrets = [e.KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET, e.KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET_FILE].filter(
    (value) => value !== undefined,
  );
  if (secrets.length === 0)
    problem(
      'KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET',
      'must be set (or KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET_FILE) with KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL',
    );
  if (secrets.length === 2)
    problem('KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET_FILE', 'is set as well as KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET: set one of them');
}

const oauthClientVariables = [
  'KAFKA_SASL_OAUTHBEARER_CLIENT_ID',
  'KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET',
  'KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET_FILE',
  'KAFKA_SASL_OAUTHBEARER_SCOPE',
] as const;

/** Settings that only mean something together: each problem names the variable to set or unset. */
function checkSecurity(e: SecurityValues, context: z.RefinementCtx): void {
  const problem = (variable: string, message: string) => context.addIssue({ code: 'custom', path: [variable], message });
  const protocol = e.KAFKA_SECURITY_PROTOCOL;
  if (usesSasl(protocol)) {
    const mechanism = e.KAFKA_SASL_MECHANISM;
    if (mechanism === undefined)
      problem('KAFKA_SASL_MECHANISM', `must be set with KAFKA_SECURITY_PROTOCOL=${protocol}, e.g. SCRAM-SHA-512`);
    else if (mechanism === 'OAUTHBEARER') checkOauthbearer(e, problem);
    else {
      if (e.KAFKA_SASL_USERNAME === undefined) problem('KAFKA_SASL_USERNAME', `must be set with KAFKA_SASL_MECHANISM=${mechanism}`);
      if (e.KAFKA_SASL_PASSWORD === undefined && e.KAFKA_SASL_PASSWORD_FILE === undefined) {
        problem('KAFKA_SASL_PASSWORD', `must be set (or KAFKA_SASL_PASSWORD_FILE) with KAFKA_SASL_MECHANISM=${mechanism}`);
      }
    }
    if (e.KAFKA_SASL_PASSWORD !== undefined && e.KAFKA_SASL_PASSWORD_FILE !== undefined) {
      problem('KAFKA_SASL_PASSWORD_FILE', 'is set as well as KAFKA_SASL_PASSWORD: set one of them');
    }
  } else {
    for (const variable of [
      'KAFKA_SASL_MECHANISM',
      'KAFKA_SASL_USERNAME',
      'KAFKA_SASL_PASSWORD',
      'KAFKA_SASL_PASSWORD_FILE',
      'KAFKA_SASL_OAUTHBEARER_TOKEN_FILE',
      'KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL',
    ] as const) {
      if (e[variable] !== undefined)
        problem(variable, `is set but KAFKA_SECURITY_PROTOCOL=${protocol} uses no SASL: set it to SASL_SSL or SASL_PLAINTEXT`);
    }
  }
  if (!usesTls(protocol)) {
    for (const variable of ['KAFKA_SSL_CA_FILE', 'KAFKA_SSL_CERT_FILE', 'KAFKA_SSL_KEY_FILE'] as const) {
      if (e[variable] !== undefined)
        problem(variable, `is set but KAFKA_SECURITY_PROTOCOL=${protocol} uses no TLS: set it to SSL or SASL_SSL`);
    }
  }
  if ((e.KAFKA_SSL_CERT_FILE === undefined) !== (e.KAFKA_SSL_KEY_FILE === undefined)) {
    const missing = e.KAFKA_SSL_CERT_FILE === undefined ? 'KAFKA_SSL_CERT_FILE' : 'KAFKA_SSL_KEY_FILE';
    problem(missing, 'must be set too: a client certificate needs its key and the key its certificate');
  }
}

/** Where the pipeline's Kafka is and how its topics are named: what every process that publishes or consumes reads. */
export const kafkaSettings = settingGroup({
  name: 'kafka',
  settings: {
    KAFKA_BROKERS: {
      schema: optionalText.pipe(
        commaList(false)
          .pipe(z.array(z.string().regex(/^[^\s:]+:\d+$/, 'each broker must be host:port, e.g. 127.0.0.1:9092')).min(1))
          .optional(),
      ),
      doc: 'comma-separated `host:port` bootstrap brokers',
      shownDefault: "the local stack's `127.0.0.1:9092`",
    },
    TOPIC_PREFIX: {
      schema: z
        .string()
        .regex(/^[a-zA-Z0-9_-]+(\.[a-zA-Z0-9_-]+)*$/, 'must be letters, digits, _ - and dots, e.g. events')
        .default('events'),
      doc: 'topics are `<prefix>.<entity>`',
    },
    ...securitySettings,
  },
  check: (e, context) => checkSecurity(e, context),
  build: (e) => ({
    /** Kafka bootstrap brokers; undefined: the local stack's. */
    kafkaBrokers: e.KAFKA_BROKERS,
    topicPrefix: e.TOPIC_PREFIX,
    kafkaSecurity: securityOf(e),
  }),
});

export const registrySettings = settingGroup({
  name: 'registry',
  settings: {
    SCHEMA_REGISTRY_URL: {
      schema: optionalText.pipe(z.url({ error: 'must be a URL, e.g. http://127.0.0.1:8081/apis/ccompat/v7' }).optional()),
      doc: 'Confluent-API schema registry base URL; `https://key:secret@host` is read as basic auth',
      shownDefault: "the local stack's `http://127.0.0.1:8081/apis/ccompat/v7`",
    },
    SCHEMA_REGISTRY_USERNAME: {
      schema: optionalText,
      doc: 'HTTP basic auth user (a Confluent Cloud schema registry API key)',
      shownDefault: 'unset',
    },
    SCHEMA_REGISTRY_PASSWORD: {
      schema: optionalText,
      doc: 'its password (the API secret); or `SCHEMA_REGISTRY_PASSWORD_FILE`',
      shownDefault: 'unset',
    },
    SCHEMA_REGISTRY_PASSWORD_FILE: { schema: secretFile, doc: 'a file holding the registry password', shownDefault: 'unset' },
    SCHEMA_REGISTRY_BEARER_TOKEN_FILE: {
      schema: refreshedFile,
      doc: 'a file holding a bearer token sent as `Authorization: Bearer`, read again at every request (a sidecar refreshes it)',
      shownDefault: 'unset',
    },
    SCHEMA_REGISTRY_CA_FILE: {
      schema: pemFile('CERTIFICATE', '/etc/registry/ca.pem'),
      doc: "PEM certificates to trust for an `https` registry's certificate",
      shownDefault: "the system's CA store",
    },
  },
  check: (e, context) => {
    const problem = (variable: string, message: string) => context.addIssue({ code: 'custom', path: [variable], message });
    const password = e.SCHEMA_REGISTRY_PASSWORD ?? e.SCHEMA_REGISTRY_PASSWORD_FILE;
    if (e.SCHEMA_REGISTRY_PASSWORD !== undefined && e.SCHEMA_REGISTRY_PASSWORD_FILE !== undefined) {
      problem('SCHEMA_REGISTRY_PASSWORD_FILE', 'is set as well as SCHEMA_REGISTRY_PASSWORD: set one of them');
    }
    if ((e.SCHEMA_REGISTRY_USERNAME === undefined) !== (password === undefined)) {
      const missing = e.SCHEMA_REGISTRY_USERNAME === undefined ? 'SCHEMA_REGISTRY_USERNAME' : 'SCHEMA_REGISTRY_PASSWORD';
      problem(missing, 'must be set too: basic auth needs a user and a password');
    }
    if (e.SCHEMA_REGISTRY_USERNAME !== undefined && e.SCHEMA_REGISTRY_BEARER_TOKEN_FILE !== undefined) {
      problem(
        'SCHEMA_REGISTRY_BEARER_TOKEN_FILE',
        'is set as well as SCHEMA_REGISTRY_USERNAME: use basic auth or a bearer token, not both',
      );
    }
    const url = e.SCHEMA_REGISTRY_URL === undefined ? null : URL.parse(e.SCHEMA_REGISTRY_URL);
    if (
      url !== null &&
      url.username !== '' &&
      (e.SCHEMA_REGISTRY_USERNAME !== undefined || e.SCHEMA_REGISTRY_BEARER_TOKEN_FILE !== undefined)
    ) {
      problem('SCHEMA_REGISTRY_URL', 'carries a user as well as SCHEMA_REGISTRY_USERNAME or a bearer token: give the credentials once');
    }
  },
  build: (e) => {
    const password = e.SCHEMA_REGISTRY_PASSWORD ?? e.SCHEMA_REGISTRY_PASSWORD_FILE;
    const tokenFile = e.SCHEMA_REGISTRY_BEARER_TOKEN_FILE;
    const auth: RegistryAuth = {
      ...(e.SCHEMA_REGISTRY_USERNAME !== undefined && password !== undefined
        ? { basic: { username: e.SCHEMA_REGISTRY_USERNAME, password } }
        : {}),
      ...(tokenFile === undefined ? {} : { bearer: refreshedToken(tokenFile) }),
      ...(e.SCHEMA_REGISTRY_CA_FILE === undefined ? {} : { ca: e.SCHEMA_REGISTRY_CA_FILE }),
    };
    return {
      /** The registry's base URL without a trailing slash; undefined: the local stack's. */
      schemaRegistryUrl: e.SCHEMA_REGISTRY_URL?.replace(/\/+$/, ''),
      registryAuth: auth,
    };
  },
});

/** What the materializer and the streamer share as members of a consumer group. */
export const consumerSettings = settingGroup({
  name: 'consumer',
  settings: {
    CONSUMER_SESSION_TIMEOUT_MS: {
      schema: wholeNumber(10_000, 6_000, 1_800_000),
      doc: 'a materializer or streamer silent this long, in ms, loses its partitions (a static member restarted sooner keeps them)',
    },
  },
  build: (e) => ({ consumerSessionTimeoutMs: e.CONSUMER_SESSION_TIMEOUT_MS }),
});
