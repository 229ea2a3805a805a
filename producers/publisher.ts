import kafkajs, { type Admin, type Kafka, type Producer } from 'kafkajs';
import type { PublisherConfig } from '../adapters/publisher-config.js';
import { resolveEndpoints } from '../adapters/endpoints.js';
import { ConfigError, EventError, coerceError, PublishError, eventErrorCodes, publishErrorCodes } from '../adapters/errors.js';
import { connectKafka, createKafka } from '../adapters/kafka.js';
import { createLogger } from '../adapters/logger.js';
import { createRegistryClient } from '../adapters/registry.js';
import type { EventInput } from '../core/build-event.js';
import { readCatalogue } from '../schemas/catalogue.js';
import { readEventSchemas } from '../schemas/event-schemas.js';
import { createEventEncoder } from './event-encoder.js';
import { publisherDefaults, type PublisherOptions } from './options.js';
import { matchAnswers } from './send-answers.js';
import { createSendBuffer, type BufferedRecord } from './send-buffer.js';
import type { BatchEvent, BatchRefusal, Publisher, PublishResult, UntypedBatchEvent } from './types.js';

/**
 * The typed publisher. `publish` resolves only after the broker acknowledged the event with
 * acks=all through kafkajs's idempotent producer; until then the event sits in a bounded buffer
 * (see send-buffer.ts). The partition is computed here with Kafka's default partitioner (murmur2
 * of the entity id, as the Java client does), so one entity's events always land on one partition
 * in publish order, and each result carries its exact offset.
 */
interface TopicInfo {
  readonly partitions: number;
  readonly maxMessageBytes: number;
}

// kafkajs is CommonJS: only some of its exports are visible as named ESM imports.
const { CompressionCodecs, CompressionTypes, ConfigResourceTypes, Partitioners } = kafkajs;

/** How many times one batch is sent while Kafka's answer lacks some of its partitions. */
const maxSendRounds = 5;

const compressionTypes = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
} as const;

export function createPublisher(config: PublisherConfig, options: PublisherOptions): Publisher {
  if (!/^[A-Za-z0-9._-]+$/.test(options.service)) {
    throw new ConfigError(`service ${JSON.stringify(options.service)} must be letters, digits, . _ -: it names the source of every event`);
  }
  const settings = { ...publisherDefaults, ...options };
  const compression = compressionTypes[settings.compression];
  if (compression === undefined || (compression !== CompressionTypes.None && !(compression in CompressionCodecs))) {
    throw new ConfigError(
      `compression ${JSON.stringify(settings.compression)} has no codec: use gzip or none, or add the codec to kafkajs's CompressionCodecs first`,
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

  let clients: Promise<{ producer: Producer; admin: Admin }> | undefined;
  let replaceProducer = false;
  const connect = (): Promise<{ producer: Producer; admin: Admin }> => {
    clients ??= (async () => {
      const producer = newProducer();
      const admin = kafka.admin();
      await connectKafka(target, producer, admin);
      return { producer, admin };
    })();
    clients.catch(() => (clients = undefined));
    return clients;
  };
  const newProducer = () =>
    kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      retry: settings.retry,
      // Every record carries its partition already (computed above); this only silences kafkajs's notice.
      createPartitioner: Partitioners.DefaultPartitioner,
    });

  const topicInfos = new Map<string, Promise<TopicInfo>>();
  const topicInfo = (topic: string): Promise<TopicInfo> => {
    let info = topicInfos.get(topic);
    if (!info) {
      info = readTopicInfo(topic);
      topicInfos.set(topic, info);
      info.catch(() => topicInfos.delete(topic));
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
    return { partitions: metadata.topics[0]?.partitions.length ?? 0, maxMessageBytes };
  }

  const buffer = createSendBuffer({
    lingerMs: settings.lingerMs,
    batchMaxEvents: settings.batchMaxEvents,
    batchMaxBytes: settings.batchMaxBytes,
    maxBytes: settings.bufferMaxBytes,
    timeoutMs: settings.bufferTimeoutMs,
    send: sendRecords,
  });

  async function sendRecords(records: readonly BufferedRecord[]): Promise<string[]> {
    const current = await connect();
    if (replaceProducer) {
      // After a request failed past its retries the idempotent sequence may be broken: start a new producer id.
      await current.producer.disconnect().catch(() => undefined);
      current.producer = newProducer();
      await connectKafka(target, current.producer);
      replaceProducer = false;
    }
    const { producer } = current;
    const offsets = new Map<BufferedRecord, string>();
    let unanswered: readonly BufferedRecord[] = records;
    // kafkajs's sendBatch keeps the answers of brokers that answered across its retries and resends
    // only to brokers without one; a partition whose leadership moved meanwhile to a broker that had
    // answered is never sent, yet the call resolves (tulios/kafkajs#1303). Such a partition has no
    // answer in the result: its records are sent again, never reported as acknowledged. The same
    // producer sends them, so the broker drops a record it already has under its sequence number;
    // should one still land twice, consumers store an event id once.
    for (let round = 1; unanswered.length > 0; round++) {
      if (round > maxSendRounds) {
        throw new PublishError(
          publishErrorCodes.notAcknowledged,
          `Kafka's answer left out the partitions of ${unanswered.length} records ${maxSendRounds} times; they may or may not be stored: publish them again`,
          { retriable: true },
        );
      }
      const answered = matchAnswers(unanswered, await sendOnce(producer, unanswered));
      for (const [record, offset] of answered.offsets) offsets.set(record, offset);
      const again = answered.unanswered;
      if (again.length > 0)
        logger.warn({ records: again.length, round }, 'Kafka answered the send without some partitions; sending their records again');
      unanswered = again;
    }
    return records.map((record) => offsets.get(record) as string);
  }

  async function sendOnce(producer: Producer, records: readonly BufferedRecord[]) {
    const byTopic = new Map<string, BufferedRecord[]>();
    for (const record of records) {
      const topicRecords = byTopic.get(record.topic);
      if (topicRecords) topicRecords.push(record);
      else byTopic.set(record.topic, [record]);
    }
    try {
      return await producer.sendBatch({
        acks: -1,
        timeout: settings.ackTimeoutMs,
        compression,
        topicMessages: [...byTopic].map(([topic, topicRecords]) => ({
          topic,
          messages: topicRecords.map((r) => ({
            key: r.key,
            value: r.value,
            headers: r.headers,
            partition: r.partition,
            timestamp: r.timestamp,
          })),
        })),
      });
    } catch (error) {
      replaceProducer = true;
      throw error;
    }
  }

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

  /** Encodes a validated event and checks it against its topic's size limit; nothing is sent. */
  async function encodeChecked(prepared: Prepared) {
    const encoded = await encoder.encode(prepared);
    const info = await topicInfo(prepared.topic);
    if (encoded.size > info.maxMessageBytes) {
      throw new EventError(
        eventErrorCodes.tooLarge,
        `${prepared.event.type} event ${prepared.event.id} is ${encoded.size} bytes encoded, above ${prepared.topic}'s max.message.bytes of ${info.maxMessageBytes}; nothing was sent`,
        { eventType: prepared.event.type, size: encoded.size, limit: info.maxMessageBytes },
      );
    }
    return { prepared, encoded, info };
  }

  async function enqueue({ prepared, encoded, info }: Awaited<ReturnType<typeof encodeChecked>>): Promise<PublishResult> {
    const partitionMetadata = Array.from({ length: info.partitions }, (_, partitionId) => ({
      partitionId,
      leader: 0,
      partitionErrorCode: 0,
      replicas: [0],
      isr: [0],
    }));
    const partition = partitioner({ topic: prepared.topic, partitionMetadata, message: { key: encoded.key, value: null } });
    const offset = await buffer.add({
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
    return { eventId: prepared.event.id, topic: prepared.topic, partition, offset };
  }

  const send = async (prepared: Prepared): Promise<PublishResult> => enqueue(await encodeChecked(prepared));

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
        const { producer, admin } = await clients.catch(() => ({ producer: undefined, admin: undefined }));
        await Promise.all([producer?.disconnect(), admin?.disconnect()]);
      }
      logger.debug('publisher closed');
    },
  };
}
