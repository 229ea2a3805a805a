import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { openCredentials, sealCredential } from '../../../core/destination-credentials.js';
import { createSecretBox } from '../../../core/secret-box.js';
import type { KafkaSecurity } from '../../../adapters/kafka/security.js';
import { createKafkaSender } from '../../../destinations/kafka/sender.js';
import { createTestLogger } from '../../harness/log-sink.js';
import { useTestContext } from '../../harness/index.js';
import { waitFor } from '../../harness/materializer.js';
import { testSecretBox } from '../../harness/secrets.js';
import { securedKafka, signWithStackCa, startTlsServer } from '../../harness/tls.js';
import { startStreamerStack } from '../../consumers/streamer/setup.js';

const ctx = useTestContext('kafka_dest_secured');
const secured = securedKafka();
const ca = fs.readFileSync(secured.caFile, 'utf8');
const clientCert = fs.readFileSync(secured.clientCertFile, 'utf8');
const clientKey = fs.readFileSync(secured.clientKeyFile, 'utf8');
const wrongPassword = 'not-the-password-4711';
/**
 * Every listener of the stack's Kafka is on 127.0.0.1: the operator allows the host, as one would
 * allow a tenant's cluster on an internal network. The secured listeners are the pipeline's own
 * cluster too, so the topics are the tenant's kind: outside the pipeline's `<prefix>.*`.
 */
const allowedKafkaBrokers = ['127.0.0.1'];
let stack: Awaited<ReturnType<typeof startStreamerStack>>;
const topics: string[] = [];
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  stack = await startStreamerStack(ctx, { overrides: { allowedKafkaBrokers }, api: { allowedKafkaBrokers } });
});

afterAll(async () => {
  for (const close of closers) await close();
  await stack?.stop();
  const admin = ctx.kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect();
});

async function createTenantTopic(name: string): Promise<string> {
  const topic = `${ctx.topicPrefix}-${name}`;
  const admin = ctx.kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
  await admin.disconnect();
  topics.push(topic);
  return topic;
}

/** SCRAM-SHA-512 over TLS to the stack's SASL_SSL listener, trusting the stack's CA. */
const scram = {
  brokers: [...secured.saslSsl],
  security_protocol: 'SASL_SSL',
  sasl_mechanism: 'SCRAM-SHA-512',
  sasl_username: secured.username,
  sasl_password: secured.password,
  ssl_ca_pem: ca,
};

interface DeliveryView {
  status: string;
  times_attempted: number;
  last_error: string | null;
}

/** The destination's deliveries once the first has failed an attempt. */
async function firstFailure(destinationId: string): Promise<DeliveryView> {
  const page = await waitFor(
    () => stack.call<{ data: DeliveryView[] }>('GET', `/api/v1/destinations/${destinationId}/deliveries`),
    (answer) => answer.body.data.some((delivery) => delivery.last_error !== null),
    60_000,
    `a failed attempt to ${destinationId}`,
  );
  return page.body.data.find((delivery) => delivery.last_error !== null) as DeliveryView;
}

/** Every attempt's error recorded for the destination, as the delivery log keeps them. */
async function recordedErrors(destinationId: string): Promise<string> {
  const { rows } = await stack.pool.query<{ error: string | null }>(
    'select a.error from delivery_attempts a join deliveries d on d.id = a.delivery_id where d.destination_id = $1',
    [destinationId],
  );
  return rows.map((row) => row.error ?? '').join('\n');
}

/** Reads `count` messages of a topic from the beginning: their keys. */
async function keysIn(topic: string, count: number): Promise<string[]> {
  const consumer = await ctx.createConsumer(`read-${topic}`);
  const keys: string[] = [];
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: ({ message }) => {
      keys.push(message.key?.toString() ?? '');
      return Promise.resolve();
    },
  });
  await waitFor(
    () => Promise.resolve(keys.length),
    (n) => n >= count,
    60_000,
    `${count} messages in ${topic}`,
  );
  await consumer.stop();
  return keys;
}

describe('kafka destinations to a secured cluster', () => {
  it('delivers events over SASL_SSL with SCRAM, the password sealed at rest and never answered', async () => {
    const topic = await createTenantTopic('scram');
    const created = await stack.call<Record<string, unknown> & { id: string; kafka: Record<string, unknown> }>(
      'POST',
      '/api/v1/destinations',
      { type: 'kafka', event_types: ['customer.created'], kafka: { ...scram, topic } },
    );
    expect(created.status).toBe(201);
    expect(created.body.kafka).toMatchObject({ security_protocol: 'SASL_SSL', sasl_username: secured.username, sasl_password: 'set' });
    const id = created.body.id;
    const answers = [
      JSON.stringify(created.body),
      JSON.stringify((await stack.call('GET', `/api/v1/destinations/${id}`)).body),
      JSON.stringify((await stack.call('GET', '/api/v1/destinations')).body),
    ];
    for (const answer of answers) expect(answer).not.toContain(secured.password);

    const { rows } = await stack.pool.query<{ settings: Record<string, unknown>; credentials: Record<string, string> }>(
      'select settings, credentials from destinations where id = $1',
      [id],
    );
    const row = rows[0];
    expect(row?.settings).not.toHaveProperty('sasl_password');
    expect(JSON.stringify(row)).not.toContain(secured.password);
    expect(row?.credentials['sasl_password']).toMatch(new RegExp(`^evpenc1:${testSecretBox.keyId}:`));
    expect(openCredentials(testSecretBox, id, row?.credentials ?? null)).toEqual({ sasl_password: secured.password });

    for (let i = 0; i < 5; i++) await stack.publish('customer.created', `cus_scram_${i}`);
    await stack.settled(id, 5);
    expect((await keysIn(topic, 5)).sort()).toEqual([0, 1, 2, 3, 4].map((i) => `cus_scram_${i}`));
  });

  it('holds the deliveries of a destination whose password another key sealed, and sends them once it opens', async () => {
    const topic = await createTenantTopic('other-key');
    const created = await stack.createDestination({ type: 'kafka', event_types: ['customer.created'], kafka: { ...scram, topic } });
    const reseal = (box: typeof testSecretBox) =>
      stack.pool.query('update destinations set credentials = $2 where id = $1', [
        created.id,
        { sasl_password: sealCredential(box, created.id, 'sasl_password', secured.password) },
      ]);
    await reseal(createSecretBox(randomBytes(32)));
    // The streamer reloads destinations every 200 ms: past that, the event is held, not attempted.
    await new Promise((resolve) => setTimeout(resolve, 500));
    await stack.publish('customer.created', 'cus_other_key');
    const deliveries = () => stack.call<{ data: DeliveryView[] }>('GET', `/api/v1/destinations/${created.id}/deliveries`);
    await waitFor(deliveries, (answer) => answer.body.data.length === 1, 60_000, 'the delivery recorded');
    // Several polls (100 ms each) pass: the delivery is held, not attempted.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const held = await deliveries();
    expect(held.body.data.map((delivery) => [delivery.status, delivery.times_attempted])).toEqual([['pending', 0]]);
    await reseal(testSecretBox);
    await stack.settled(created.id, 1);
    expect(await keysIn(topic, 1)).toEqual(['cus_other_key']);
  });

  it('delivers over mTLS with a client certificate whose key is sealed', async () => {
    const topic = await createTenantTopic('mtls');
    const created = await stack.createDestination({
      type: 'kafka',
      event_types: ['customer.created'],
      kafka: {
        brokers: [...secured.ssl],
        topic,
        security_protocol: 'SSL',
        ssl_ca_pem: ca,
        ssl_cert_pem: clientCert,
        ssl_key_pem: clientKey,
      },
    });
    const answer = await stack.call<{ kafka: Record<string, unknown> }>('GET', `/api/v1/destinations/${created.id}`);
    expect(answer.body.kafka['ssl_key_pem']).toBe('set');
    expect(JSON.stringify(answer.body)).not.toContain('PRIVATE KEY');
    await stack.publish('customer.created', 'cus_mtls_1');
    await stack.settled(created.id, 1);
    expect(await keysIn(topic, 1)).toEqual(['cus_mtls_1']);
  });

  it('names the setting to fix when the cluster refuses an attempt, and never the password', async () => {
    const topic = await createTenantTopic('refused');
    const misnamed = await startTlsServer(await signWithStackCa(secured.caFile, 'DNS:kafka.other.example', 30));
    closers.push(() => misnamed.close());
    const cases: { name: string; kafka: Record<string, unknown>; says: RegExp }[] = [
      {
        name: 'a wrong password',
        kafka: { ...scram, sasl_password: wrongPassword },
        says: /refused the credentials.*kafka\.sasl_username and kafka\.sasl_password, and kafka\.sasl_mechanism/,
      },
      {
        name: "a certificate from a CA it was not given (the system's)",
        kafka: { ...scram, ssl_ca_pem: null },
        says: /does not trust \(SELF_SIGNED_CERT_IN_CHAIN\): set kafka\.ssl_ca_pem/,
      },
      {
        name: 'a certificate for another host',
        kafka: { brokers: [`127.0.0.1:${misnamed.port}`], security_protocol: 'SSL', ssl_ca_pem: ca },
        says: /certificate for another host.*kafka\.ssl_verify_hostname=false/,
      },
      {
        name: 'SASL at a listener without it',
        kafka: {
          brokers: [...ctx.endpoints.kafkaBrokers],
          security_protocol: 'SASL_PLAINTEXT',
          sasl_mechanism: 'PLAIN',
          sasl_username: 'u',
          sasl_password: wrongPassword,
        },
        says: /listener without SASL: set kafka\.security_protocol to PLAINTEXT/,
      },
      {
        // Told apart from a closed port, it would say a TLS-less service listens there.
        name: 'TLS at a plaintext listener',
        kafka: { brokers: [...ctx.endpoints.kafkaBrokers], security_protocol: 'SSL', ssl_ca_pem: ca },
        says: /^could not reach the Kafka cluster at .*check the destination's brokers and kafka\.security_protocol/,
      },
      {
        name: 'plaintext at a TLS listener',
        kafka: { brokers: [...secured.saslSsl] },
        says: /^could not reach the Kafka cluster at .*check the destination's brokers and kafka\.security_protocol/,
      },
    ];
    for (const { name, kafka, says } of cases) {
      const created = await stack.createDestination({ type: 'kafka', event_types: ['customer.updated'], kafka: { ...kafka, topic } });
      await stack.publish('customer.updated', `cus_refused_${topics.length}`);
      const failed = await firstFailure(created.id);
      expect(failed.last_error, name).toMatch(says);
      const errors = await recordedErrors(created.id);
      expect(errors, name).not.toContain(wrongPassword);
      expect(errors, name).not.toContain(secured.password);
      await stack.call('DELETE', `/api/v1/destinations/${created.id}`);
    }
  });
});

describe('kafka destination security settings through the API', () => {
  it('refuses moving a stored password to other brokers or another protocol unless it is given again', async () => {
    const topic = `${ctx.topicPrefix}-moved`;
    const created = await stack.createDestination({ type: 'kafka', event_types: ['customer.created'], kafka: { ...scram, topic } });
    const patch = (kafka: Record<string, unknown>) =>
      stack.call<{ error?: { param: string; message: string }; kafka?: Record<string, unknown> }>(
        'PATCH',
        `/api/v1/destinations/${created.id}`,
        { kafka },
      );

    for (const change of [
      { brokers: ['kafka.attacker.example:9093'] },
      { security_protocol: 'SASL_PLAINTEXT' },
      { sasl_mechanism: 'PLAIN' },
    ]) {
      const refused = await patch(change);
      expect(refused.status, JSON.stringify(change)).toBe(400);
      expect(refused.body.error?.param).toBe('kafka.sasl_password');
      expect(refused.body.error?.message).toMatch(/needs kafka\.sasl_password given again/);
    }

    // The user and the topic are not bound to it: the password stays.
    const renamed = await patch({ sasl_username: secured.username, topic: `${topic}-2` });
    expect(renamed.status).toBe(200);
    expect(renamed.body.kafka).toMatchObject({ sasl_password: 'set' });

    const moved = await patch({
      brokers: [...secured.saslPlaintext],
      security_protocol: 'SASL_PLAINTEXT',
      ssl_ca_pem: null,
      sasl_password: 'another-one',
    });
    expect(moved.status).toBe(200);
    expect(moved.body.kafka).toMatchObject({ security_protocol: 'SASL_PLAINTEXT', sasl_password: 'set' });
    const { rows } = await stack.pool.query<{ credentials: Record<string, string> }>('select credentials from destinations where id = $1', [
      created.id,
    ]);
    expect(openCredentials(testSecretBox, created.id, rows[0]?.credentials ?? null)).toEqual({ sasl_password: 'another-one' });

    // Dropping SASL drops the user, the mechanism and the stored password with it.
    const plain = await patch({ brokers: [...ctx.endpoints.kafkaBrokers], security_protocol: 'PLAINTEXT' });
    expect(plain.status).toBe(200);
    expect(plain.body.kafka).not.toHaveProperty('sasl_password');
    expect(plain.body.kafka).not.toHaveProperty('sasl_username');
    const after = await stack.pool.query<{ credentials: unknown }>('select credentials from destinations where id = $1', [created.id]);
    expect(after.rows[0]?.credentials).toBeNull();
  });

  it('refuses incomplete or contradicting security settings, naming the field', async () => {
    const topic = `${ctx.topicPrefix}-invalid`;
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ security_protocol: 'SASL_SSL', sasl_mechanism: 'SCRAM-SHA-512', sasl_username: 'u' }, 'kafka.sasl_password', /is needed/],
      [{ sasl_username: 'u' }, 'kafka.sasl_username', /PLAINTEXT uses no SASL/],
      [{ security_protocol: 'TLS' }, 'kafka.security_protocol', /must be equal to one of|PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL/],
      [{ security_protocol: 'SSL', ssl_ca_pem: 'not a certificate' }, 'kafka.ssl_ca_pem', /holds no PEM certificate/],
      [{ security_protocol: 'SSL', ssl_cert_pem: clientCert }, 'kafka.ssl_key_pem', /go together/],
      [{ security_protocol: 'SSL', ssl_cert_pem: ca, ssl_key_pem: clientKey }, 'kafka.ssl_key_pem', /not the key of/],
    ];
    for (const [kafka, param, says] of cases) {
      const answer = await stack.call<{ error: { param: string; message: string } }>('POST', '/api/v1/destinations', {
        type: 'kafka',
        event_types: ['customer.created'],
        kafka: { brokers: [...secured.saslSsl], topic, ...kafka },
      });
      expect(answer.status, JSON.stringify(kafka)).toBe(400);
      expect(answer.body.error.param, JSON.stringify(kafka)).toBe(param);
      expect(answer.body.error.message, JSON.stringify(kafka)).toMatch(says);
      expect(answer.body.error.message).not.toContain('PRIVATE KEY');
    }
  });
});

describe('kafka sender with security settings', () => {
  const security: KafkaSecurity = {
    protocol: 'SASL_SSL',
    tls: { ca, verifyHostname: true },
    sasl: { mechanism: 'SCRAM-SHA-256', username: secured.username, password: secured.password },
  };
  const messages = [{ key: 'cus_1', value: '{"id":"evt_1"}', headers: { 'evp-delivery-id': 'dlv_1' } }];
  const senderOf = (allowedBrokers: readonly string[]) => {
    const sender = createKafkaSender({
      logger: createTestLogger('silent'),
      ownBrokers: ctx.endpoints.kafkaBrokers,
      allowedBrokers,
      topicPrefix: ctx.topicPrefix,
    });
    closers.push(() => sender.close());
    return sender;
  };

  it('kafka sender holds TLS connections to the broker policy: an internal broker not allowed is refused before the handshake', async () => {
    const sender = senderOf([]);
    const outcome = await sender.send({
      brokers: secured.saslSsl,
      topic: `${ctx.topicPrefix}-guarded`,
      security,
      timeoutMs: 5_000,
      messages,
    });
    expect(outcome.result).toEqual({ kind: 'error', code: 'destination_refused' });
    expect(outcome.error).toMatch(/internal address/);
  });

  it("kafka sender never sends through a producer authenticated with another destination's credentials", async () => {
    const topic = await createTenantTopic('credentials');
    const sender = senderOf(allowedKafkaBrokers);
    const send = (password: string) =>
      sender.send({
        brokers: secured.saslSsl,
        topic,
        security: { ...security, sasl: { mechanism: 'SCRAM-SHA-256', username: secured.username, password } },
        timeoutMs: 10_000,
        messages,
      });
    expect((await send(secured.password)).result).toEqual({ kind: 'response', status: 200 });
    const refused = await send(wrongPassword);
    expect(refused.result).toEqual({ kind: 'error', code: 'kafka_authentication_failed' });
    expect(refused.error).toMatch(/kafka\.sasl_password/);
    expect(refused.error).not.toContain(wrongPassword);
  });
});
