import { lookup } from 'node:dns/promises';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { createKafkaSender, type KafkaRequest, type KafkaSenderOptions } from '../../../destinations/kafka/sender.js';
import { checkKafkaSettings } from '../../../core/destination-rules.js';
import { useTestContext } from '../../harness/index.js';
import { createTestLogger } from '../../harness/log-sink.js';
import { startTcpProxy, type TcpProxy } from '../../harness/tcp-proxy.js';

const ctx = useTestContext('kafka_guard');
const logger = createTestLogger('silent');
const own = ctx.endpoints.kafkaBrokers;
const messages: KafkaRequest['messages'] = [{ key: 'cus_1', value: '{"id":"evt_1"}', headers: { 'evp-delivery-id': 'dlv_1' } }];
const senders: ReturnType<typeof createKafkaSender>[] = [];
const servers: Server[] = [];
const sockets = new Set<Socket>();
const proxies: TcpProxy[] = [];

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  for (const server of servers) server.close();
  for (const sender of senders) await sender.close();
  for (const proxy of proxies) await proxy.close();
});

/** A sender of a pipeline whose own cluster is the stack's; nothing allowed unless `overrides` says so. */
function sender(overrides: Partial<KafkaSenderOptions> = {}) {
  const created = createKafkaSender({ logger, ownBrokers: own, allowedBrokers: [], topicPrefix: 'evp-pipeline', ...overrides });
  senders.push(created);
  return created;
}

/** The stack's cluster id, as an admin client of the test's own reads it. */
async function stackClusterId(): Promise<string> {
  const admin = ctx.kafka.admin();
  await admin.connect();
  try {
    return (await admin.describeCluster()).clusterId;
  } finally {
    await admin.disconnect();
  }
}

/** The messages a topic holds (its partitions' high watermarks added up). */
async function messagesIn(topic: string): Promise<number> {
  const admin = ctx.kafka.admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).reduce((sum, partition) => sum + Number(partition.high), 0);
  } finally {
    await admin.disconnect();
  }
}

/** A local TCP server doing `onSocket` with each connection; its host:port. */
async function listen(onSocket: (socket: Socket) => void): Promise<string> {
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    onSocket(socket);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('kafka sender broker policy', () => {
  it("kafka sender refuses the pipeline's own cluster unless DESTINATION_ALLOWED_KAFKA_BROKERS lists it, and writes nothing", async () => {
    const topic = await ctx.createTopic('own-refused');
    const refusing = sender();
    const outcome = await refusing.send({ brokers: own, topic, timeoutMs: 5_000, messages });

    expect(outcome.result).toEqual({ kind: 'error', code: 'destination_refused' });
    expect(outcome.error).toContain("the pipeline's own Kafka cluster");
    expect(outcome.error).toContain('DESTINATION_ALLOWED_KAFKA_BROKERS');
    expect(refusing.openProducers()).toBe(0);
    expect(await messagesIn(topic)).toBe(0);
  });

  it("kafka sender refuses the pipeline's own topics and Kafka's internal ones, even on its allowed own cluster", async () => {
    const topic = await ctx.createTopic('invoice');
    // This file's topics stand for the pipeline's own here: `<TOPIC_PREFIX>.invoice`.
    const allowed = sender({ allowedBrokers: own, topicPrefix: ctx.topicPrefix });
    for (const name of [topic, `${ctx.topicPrefix}.dead-letter`, '__consumer_offsets']) {
      const outcome = await allowed.send({ brokers: own, topic: name, timeoutMs: 5_000, messages });
      expect(outcome.result, name).toEqual({ kind: 'error', code: 'destination_refused' });
      expect(outcome.error, name).toMatch(/own topics|internal topics/);
    }
    expect(allowed.openProducers()).toBe(0);
    expect(await messagesIn(topic)).toBe(0);
  });

  it('kafka sender refuses internal addresses before connecting, without naming them', async () => {
    let connections = 0;
    const broker = await listen((socket) => {
      connections += 1;
      socket.destroy();
    });
    const resolving = sender({ resolveHost: (host) => Promise.resolve(host === 'kafka.tenant.example' ? ['10.20.30.40'] : []) });
    for (const brokers of [[broker], ['kafka.tenant.example:9092']]) {
      const outcome = await resolving.send({ brokers, topic: 'copy', timeoutMs: 5_000, messages });
      expect(outcome.result).toEqual({ kind: 'error', code: 'destination_refused' });
      expect(outcome.error).toContain('an internal address');
      expect(outcome.error).not.toContain('10.20.30.40');
    }
    expect(connections).toBe(0);
  });

  it('kafka sender checks every connection: a name that now resolves to an internal address is refused', async () => {
    let lookups = 0;
    // Public when the attempt is checked, internal when the client connects (DNS rebinding).
    const rebinding = sender({ resolveHost: () => Promise.resolve((lookups += 1) === 1 ? ['8.8.8.8'] : ['127.0.0.1']) });
    const outcome = await rebinding.send({ brokers: ['rebind.tenant.example:19092'], topic: 'copy', timeoutMs: 5_000, messages });

    expect(outcome.result).toEqual({ kind: 'error', code: 'destination_refused' });
    expect(outcome.error).toContain('broker rebind.tenant.example:19092 resolves to an internal address');
    expect(lookups).toBeGreaterThan(1);
  });

  it("kafka sender checks the brokers a cluster advertises: the pipeline's own are reached only when named", async () => {
    const topic = await ctx.createTopic('advertised');
    const port = Number(own[0]?.split(':')[1]);
    // Allowed under another name only: the cluster's metadata then names its brokers as they are advertised.
    const alias = sender({
      allowedBrokers: [`kafka-alias.test:${port}`],
      resolveHost: (host) => Promise.resolve(host === 'kafka-alias.test' ? ['127.0.0.1'] : []),
    });
    const outcome = await alias.send({ brokers: [`kafka-alias.test:${port}`], topic, timeoutMs: 10_000, messages });

    expect(outcome.result).toEqual({ kind: 'error', code: 'destination_refused' });
    expect(outcome.error).toContain("is a broker of the pipeline's own Kafka cluster; the connection was refused and nothing was sent");
    expect(await messagesIn(topic)).toBe(0);
  });

  it('kafka sender tells the tenant the same of a closed port and of open ports that are not Kafka', async () => {
    const closed = await listen(() => undefined);
    servers.pop()?.close();
    const hangsUp = await listen((socket) => socket.destroy());
    const answersHttp = await listen((socket) => socket.end('HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n'));
    const silent = await listen(() => undefined);
    const probing = sender({ allowedBrokers: ['127.0.0.1'] });
    const texts = new Set<string>();
    for (const broker of [closed, hangsUp, answersHttp, silent]) {
      const outcome = await probing.send({ brokers: [broker], topic: 'anything', timeoutMs: 1_500, messages });
      expect(outcome.result, broker).toEqual({ kind: 'error', code: 'kafka_unreachable' });
      texts.add((outcome.error ?? '').replace(broker, '<broker>'));
    }
    expect([...texts]).toEqual([
      "could not reach the Kafka cluster at <broker>, or it did not acknowledge the write to topic anything within 1500 ms; check the destination's brokers and kafka.security_protocol (the listener's), and that the cluster is up and reachable from the pipeline",
    ]);
  });

  it("kafka sender knows the pipeline's own cluster by its id at an address the address rules do not know, and keeps its topics", async () => {
    const port = Number(own[0]?.split(':')[1]);
    // The pipeline knows its cluster as localhost:<port>, which (for the broker rules) resolves
    // elsewhere, as KAFKA_BROKERS naming an internal listener would; the destination reaches the
    // same cluster at 127.0.0.1, another listener as far as addresses tell. Its own id is learned
    // from localhost:<port> for real; 127.0.0.1 is allowed, being an internal address.
    const policy = { ownBrokers: [`localhost:${port}`], allowedBrokers: ['127.0.0.1'], topicPrefix: `${ctx.topicPrefix}.own` };
    const resolveHost = async (host: string) =>
      host === 'localhost' ? ['10.255.0.1'] : (await lookup(host, { all: true })).map((entry) => entry.address);
    const pipelineTopic = await ctx.createTopic('own.invoice');
    const tenantTopic = await ctx.createTopic('copy');
    // The address rules alone (the API's) let it through.
    expect(checkKafkaSettings({ brokers: own, topic: pipelineTopic }, policy, new Map([['localhost', ['10.255.0.1']]]))).toEqual([]);

    const byId = sender({ ...policy, resolveHost });
    const refused = await byId.send({ brokers: own, topic: pipelineTopic, timeoutMs: 10_000, messages });
    expect(refused.result).toEqual({ kind: 'error', code: 'destination_refused' });
    expect(refused.error).toBe(
      `${pipelineTopic} is one of the pipeline's own topics (${ctx.topicPrefix}.own.*) and the Kafka cluster at ${own.join(',')} is the pipeline's own Kafka cluster (the same cluster id); nothing was sent. Choose a topic outside them`,
    );
    // Allowed by DESTINATION_ALLOWED_KAFKA_BROKERS, the cluster takes other topics.
    expect((await byId.send({ brokers: own, topic: tenantTopic, timeoutMs: 10_000, messages })).result.kind).toBe('response');
    expect(await messagesIn(pipelineTopic)).toBe(0);
    expect(await messagesIn(tenantTopic)).toBe(1);
  });

  it("kafka sender refuses the pipeline's own cluster reached through another port, and writes nothing", async () => {
    const [host, port] = (own[0] ?? '').split(':');
    const proxy = await startTcpProxy({ host: host ?? '127.0.0.1', port: Number(port) });
    proxies.push(proxy);
    const broker = `127.0.0.1:${proxy.port}`;
    const topic = await ctx.createTopic('through-proxy');
    // The proxy is allowed (it is an internal address); the brokers its cluster advertises are the pipeline's own.
    const proxied = sender({ allowedBrokers: [broker], topicPrefix: ctx.topicPrefix });
    const outcome = await proxied.send({ brokers: [broker], topic, timeoutMs: 10_000, messages });

    expect(outcome.result).toEqual({ kind: 'error', code: 'destination_refused' });
    expect(outcome.error).toContain("the pipeline's own Kafka cluster");
    expect(await messagesIn(topic)).toBe(0);
  });

  it("kafka sender sends nothing while the pipeline's own cluster id is unknown, and asks again next attempt", async () => {
    const topic = await ctx.createTopic('unverified');
    const clusterId = await stackClusterId();
    let asked = 0;
    const learnOwnClusterId = () => ((asked += 1) === 1 ? Promise.reject(new Error('own cluster down')) : Promise.resolve(clusterId));
    // Another cluster as far as addresses tell (the pipeline's own brokers are elsewhere), allowed as internal.
    const policy = { ownBrokers: ['127.0.0.1:1'], allowedBrokers: ['127.0.0.1'], topicPrefix: 'evp-pipeline' };
    const failing = sender({ ...policy, learnOwnClusterId });

    const first = await failing.send({ brokers: own, topic, timeoutMs: 10_000, messages });
    expect(first.result).toEqual({ kind: 'error', code: 'kafka_cluster_unverified' });
    expect(first.error).toContain('nothing was sent');
    expect(await messagesIn(topic)).toBe(0);
    // Learned now: the same id, and the destination's brokers are allowed, so the write goes through.
    expect((await failing.send({ brokers: own, topic, timeoutMs: 10_000, messages })).result.kind).toBe('response');
    expect(asked).toBe(2);

    // Without an injected one, the id is asked of `ownBrokers`; nobody answers at 127.0.0.1:1.
    const unanswered = sender(policy);
    const outcome = await unanswered.send({ brokers: own, topic, timeoutMs: 10_000, messages });
    expect(outcome.result).toEqual({ kind: 'error', code: 'kafka_cluster_unverified' });
    expect(await messagesIn(topic)).toBe(1);
  });
});
