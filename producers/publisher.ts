import type { PublisherConfig } from '../adapters/publisher-config.js';
import { resolveEndpoints } from '../adapters/endpoints.js';
import { ConfigError, EventError, coerceError, PublishError, eventErrorCodes, publishErrorCodes } from '../adapters/errors.js';
// The adapter's modules one by one, not its index: the SDK package ships only what it imports.
import { connectKafka, createKafka } from '../adapters/kafka/client.js';
import { kafkajs, type Admin, type Kafka } from '../adapters/kafka/kafkajs.js';
import { consumersCanRead, createLaneProducer, producerClients, type LaneProducer } from '../adapters/kafka/producer.js';
import { createLogger } from '../adapters/logger.js';
import { createRegistryClient } from '../adapters/registry.js';
import type { EventInput } from '../core/build-event.js';
import { readCatalogue } from '../schemas/catalogue.js';
import { readEventSchemas } from '../schemas/event-schemas.js';
import { createEventEncoder, type EncodedEvent } from './event-encoder.js';
import { publisherDefaults, type PublisherOptions } from './options.js';
import { createSendBuffer } from './send-buffer.js';
import type { BatchEvent, BatchRefusal, Publisher, PublishResult, UntypedBatchEvent } from './types.js';

/**
 * The typed publisher. `publish` resolves only after the broker acknowledged the event with
 * acks=all through an idempotent producer (adapters/kafka/producer.ts); until then the event sits
 * in a bounded buffer (see send-buffer.ts), whose lanes keep up to `maxInFlightRequests` requests
 * in flight, each partition's in order through one producer. The partition is computed here with Kafka's default partitioner (murmur2
 * of the entity id, as the Java client does), so one entity's events always land on one partition
 * in publish order, and each result carries its exact offset.
 */
interface TopicInfo {
  readonly partitions: number;
  readonly maxMessageBytes: number;
  /** The partitions as kafkajs's partitioner takes them (it reads only their number and ids). */
  readonly partitionMetadata: kafkajs.PartitionMetadata[];
}

// kafkajs is CommonJS: only some of its exports are visible as named ESM imports.
const { ConfigResourceTypes, Partitioners } = kafkajs;

export function createPublisher(config: PublisherConfig, options: PublisherOptions): Publisher {
  if (!/^[A-Za-z0-9._-]+$/.test(options.service)) {
    throw new ConfigError(`service ${JSON.stringify(options.service)} must be letters, digits, . _ -: it names the source of every event`);
  }
  const settings = { ...publisherDefaults, ...options };
  if (!['none', 'gzip', 'snappy', 'lz4', 'zstd'].includes(settings.compression) || !consumersCanRead(settings.compression)) {
    throw new ConfigError(
      `compression ${JSON.stringify(settings.compression)} has no codec the consumers can read: use gzip or none, or add the codec to kafkajs's CompressionCodecs first`,
    );
  }
  if (!producerClients.includes(settings.client)) {
    throw new ConfigError(`client ${JSON.stringify(settings.client)} is not a producer client: use ${producerClients.join(' or ')}`);
  }
  if (!Number.isInteger(settings.maxInFlightRequests) || settings.maxInFlightRequests < 1 || settings.maxInFlightRequests > 5) {
    throw new ConfigError(
      `maxInFlightRequests ${JSON.stringify(settings.maxInFlightRequests)} must be a whole number from 1 to 5 (Kafka keeps the order of at most 5 idempotent requests)`,
    );
  }
  const endpoints = resolveEndpoints(config);
  const target = { brokers: endpoints.kafkaBrokers, security: endpoints.kafkaSecurity };
  // LOG_LEVEL is the services' setting, not the publisher's: give `logger` for another level.
  const logger = (options.logger ?? createLogger('info')).child({ service: options.service });
  const kafka: Kafka = options.kafka ?? createKafka({ ...target, clientId: `evp-publisher-${options.service}`, logger });
  const registry = options.registry ?? createRegistryClient({ url: endpoints.schemaRegistryUrl, auth: endpoints.registryAuth });
  const encoder = createEventEncoder({
    catalogue: readCatalogue(),
    schemas: readEventSchemas(),
    registry,
    topicPrefix: config.topicPrefix,
    service: options.service,
    autoRegister: settings.autoRegister,
  });
  const partitioner = Partitioners.DefaultPartitioner();

  let clients: Promise<{ lanes: LaneProducer[]; admin: Admin }> | undefined;
  const connect = (): Promise<{ lanes: LaneProducer[]; admin: Admin }> => {
    clients ??= (async () => {
      const admin = kafka.admin();
      // Checks the security settings and reaches the brokers once, so a wrong setting is named before any send.
      await connectKafka(target, admin);
      const lanes = Array.from({ length: settings.maxInFlightRequests }, (_, lane) =>
        createLaneProducer(settings.client, {
          ...target,
          kafka,
          clientId: `evp-publisher-${options.service}-${lane}`,
          compression: settings.compression,
          ackTimeoutMs: settings.ackTimeoutMs,
          retry: settings.retry,
          logger,
        }),
      );
      return { lanes, admin };
    })();
    clients.catch(() => (clients = undefined));
    return clients;
  };

  const topicInfos = new Map<string, Promise<TopicInfo>>();
  /** The same, once read. */
  const knownTopicInfos = new Map<string, TopicInfo>();
  const topicInfo = (topic: string): Promise<TopicInfo> => {
    let info = topicInfos.get(topic);
    if (!info) {
      info = readTopicInfo(topic);
      topicInfos.set(topic, info);
      info.then(
        (read) => knownTopicInfos.set(topic, read),
        () => topicInfos.delete(topic),
      );
    }
    return info;
  };
  async function readTopicInfo(topic: string): Promise<TopicInfo> {
    const { admin } = await connect();
    if (!(await admin.listTopics()).includes(topic)) {
      throw new PublishError(publishErrorCodes.topicMissing, `Topic ${topic} does not exist; run \`npx evp topics ensure\``, { topic });
    }
    const [metadata, described] = await Promise.all([
      admin.fetchTopicMetadata({ topics: [topic] }),
      admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['max.message.bytes'] }],
      }),
    ]);
    const maxMessageBytes = Number(
      described.resources[0]?.configEntries.find((e) => e.configName === 'max.message.bytes')?.configValue ?? 1048588,
    );
    const partitions = metadata.topics[0]?.partitions.length ?? 0;
    const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({
      partitionId,
      leader: 0,
      partitionErrorCode: 0,
      replicas: [0],
      isr: [0],
    }));
    return { partitions, maxMessageBytes, partitionMetadata };
  }

  const buffer = createSendBuffer({
    lingerMs: settings.lingerMs,
    batchMaxEvents: settings.batchMaxEvents,
    batchMaxBytes: settings.batchMaxBytes,
    maxBytes: settings.bufferMaxBytes,
    timeoutMs: settings.bufferTimeoutMs,
    lanes: settings.maxInFlightRequests,
    send: async (records, lane) => {
      const { lanes } = await connect();
      return (lanes[lane] as LaneProducer).send(records);
    },
  });

  const pending = new Set<Promise<unknown>>();
  let closed = false;
  const track = <T>(promise: Promise<T>): Promise<T> => {
    pending.add(promise);
    void promise.then(
      () => pending.delete(promise),
      () => pending.delete(promise),
    );
    return promise;
  };

  type Prepared = ReturnType<typeof encoder.prepare>;

  type Checked = { readonly prepared: Prepared; readonly encoded: EncodedEvent; readonly info: TopicInfo };

  /** Refuses an encoded event above its topic's size limit; nothing is sent. */
  function checkSize(prepared: Prepared, encoded: EncodedEvent, info: TopicInfo): Checked {
    if (encoded.size > info.maxMessageBytes) {
      throw new EventError(
        eventErrorCodes.tooLarge,
        `${prepared.event.type} event ${prepared.event.id} is ${encoded.size} bytes encoded, above ${prepared.topic}'s max.message.bytes of ${info.maxMessageBytes}; nothing was sent`,
        { eventType: prepared.event.type, size: encoded.size, limit: info.maxMessageBytes },
      );
    }
    return { prepared, encoded, info };
  }

  /** Encodes a validated event and checks it against its topic's size limit; nothing is sent. */
  async function encodeChecked(prepared: Prepared): Promise<Checked> {
    const encoded = await encoder.encode(prepared);
    return checkSize(prepared, encoded, await topicInfo(prepared.topic));
  }

  function enqueue({ prepared, encoded, info }: Checked): Promise<PublishResult> {
    const partition = partitioner({
      topic: prepared.topic,
      partitionMetadata: info.partitionMetadata,
      message: { key: encoded.key, value: null },
    });
    const added = buffer.add({
      topic: prepared.topic,
      partition,
      key: encoded.key,
      value: encoded.value,
      headers: encoded.headers,
      // When it was published, not occurred_at: topic retention counts from this time, so an event
      // backfilled with an old occurred_at must not be deleted on arrival (ce_time carries occurred_at).
      timestamp: String(Date.now()),
      size: encoded.size,
    });
    return added.then((offset) => ({ eventId: prepared.event.id, topic: prepared.topic, partition, offset }));
  }

  /** Publishes waiting for a schema id or a topic's limits: while there are any, later ones wait behind them. */
  let waitingForLookups = 0;

  /**
   * Once the topic's limits and the schema's id are known (every publish but the first few), the
   * event is encoded and handed to the buffer in the caller's own step, without waiting on either.
   * Until then, and while any publish still waits for them, publishes take the waiting path, so
   * they reach the buffer in the order they were made.
   */
  const send = (prepared: Prepared): Promise<PublishResult> => {
    const info = waitingForLookups === 0 ? knownTopicInfos.get(prepared.topic) : undefined;
    const encoded = info === undefined ? undefined : encoder.encodeNow(prepared);
    if (info !== undefined && encoded !== undefined) return enqueue(checkSize(prepared, encoded, info));
    waitingForLookups++;
    return encodeChecked(prepared)
      .finally(() => waitingForLookups--)
      .then(enqueue);
  };

  /**
   * Every event of a batch validated, encoded and checked against its topic's size limit before
   * any is sent; the first problem of each refused event is listed with its index, and then none
   * is sent. The checked events, in order, otherwise.
   */
  async function checkBatch(events: readonly (BatchEvent | UntypedBatchEvent)[]) {
    refuseWhenClosed();
    const refused: BatchRefusal[] = [];
    const checked = await Promise.all(
      events.map(async ({ type, ...event }, index) => {
        try {
          return await encodeChecked(encoder.prepare(type, event as unknown as EventInput));
        } catch (error) {
          if (!(error instanceof EventError)) throw error;
          const problems = (error as EventError & { problems?: BatchRefusal['problems'] }).problems;
          refused.push({ index, code: error.code, message: error.message, problems: problems ?? [] });
          return undefined;
        }
      }),
    );
    if (refused.length > 0) {
      refused.sort((x, y) => x.index - y.index);
      const lines = refused.map((refusal) => `[${refusal.index}] ${refusal.message.replaceAll('\n', '\n  ')}`);
      throw new EventError(
        eventErrorCodes.invalid,
        `${refused.length} of ${events.length} events are invalid; none was sent:\n${lines.join('\n')}`,
        {
          problems: lines,
          refused,
        },
      );
    }
    return checked as Awaited<ReturnType<typeof encodeChecked>>[];
  }

  /** Until every publish made so far has settled (some may still be encoding when this starts). */
  const settlePending = async () => {
    await buffer.drain();
    while (pending.size > 0) await Promise.allSettled([...pending]);
  };

  const refuseWhenClosed = () => {
    if (closed) throw new PublishError(publishErrorCodes.closed, 'The publisher is closed; create a new one', {});
  };

  const publishUntyped = (type: string, event: EventInput): Promise<PublishResult> => {
    try {
      refuseWhenClosed();
      return track(send(encoder.prepare(type, event)));
    } catch (error) {
      return Promise.reject(coerceError(error));
    }
  };

  return {
    publish: (type, event) => publishUntyped(type, event as unknown as EventInput),
    publishUntyped,

    async publishBatch(events) {
      const checked = await checkBatch(events);
      return track(Promise.all(checked.map((event) => enqueue(event))));
    },

    async publishBatchSettled(events) {
      const checked = await checkBatch(events);
      return track(Promise.allSettled(checked.map((event) => enqueue(event))));
    },

    async flush() {
      buffer.hurry(true);
      try {
        await settlePending();
      } finally {
        if (!closed) buffer.hurry(false);
      }
    },

    async close() {
      closed = true;
      buffer.hurry(true);
      await settlePending();
      if (clients) {
        const { lanes, admin } = await clients.catch(() => ({ lanes: [], admin: undefined }));
        await Promise.all([...lanes.map((lane) => lane.close()), admin?.disconnect()]);
      }
      logger.debug('publisher closed');
    },
  };
}
