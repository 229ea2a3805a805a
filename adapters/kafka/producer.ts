import type { Producer as PlatformaticProducer, ProducerOptions } from '@platformatic/kafka';
import kafkajs, { type Kafka, type Producer as KafkajsProducer } from 'kafkajs';
import { PublishError, coerceError, publishErrorCodes } from '../errors.js';
import type { Logger } from '../logger.js';
import { matchAnswers, type PartitionAnswer } from './answers.js';
import { plaintext, usesTls, type KafkaSecurity } from './security.js';
import { nodeTlsOptions } from './tls.js';

/**
 * The pipeline's producer side: idempotent, acks=all, records sent to the partitions the caller
 * computed, and each record's exact offset in the answer. Two clients sit behind it:
 * @platformatic/kafka by default (2–3× kafkajs's produce rate in `npm run bench -- kafka-clients`),
 * kafkajs for comparison and as a fallback. Either keeps one request in flight per producer when
 * idempotent, so `lanes` producers (each its own producer id) share the partitions out between
 * them: a partition always goes through the same lane, one request at a time, so its records keep
 * their order and their sequence numbers, while up to `lanes` requests are in flight per broker.
 */
export type ProducerClient = 'platformatic' | 'kafkajs';
export const producerClients: readonly ProducerClient[] = ['platformatic', 'kafkajs'];

export type Compression = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

export interface ProduceRecord {
  readonly topic: string;
  readonly partition: number;
  readonly key: Buffer;
  readonly value: Buffer;
  readonly headers: Readonly<Record<string, string>>;
  /** Milliseconds since the epoch, as decimal text. */
  readonly timestamp: string;
}

/** One idempotent producer: sends one request at a time, resolves with each record's offset in order. */
export interface LaneProducer {
  send(records: readonly ProduceRecord[]): Promise<string[]>;
  close(): Promise<void>;
}

export interface LaneProducerOptions {
  readonly brokers: readonly string[];
  readonly security?: KafkaSecurity | undefined;
  readonly clientId: string;
  readonly compression: Compression;
  /** How long the broker may take to acknowledge a request, in ms. */
  readonly ackTimeoutMs: number;
  /** Retries of one request, from `initialRetryTime` doubling up to `maxRetryTime` apart. */
  readonly retry: { readonly retries: number; readonly initialRetryTime: number; readonly maxRetryTime: number };
  readonly logger: Logger;
  /** kafkajs lanes only: the client to build producers from. */
  readonly kafka?: Kafka | undefined;
}

/** How many times one batch is sent while Kafka's answer lacks some of its partitions. */
const maxSendRounds = 5;

/**
 * Sends until every record has an offset: a partition left out of an answer is sent again by
 * the same producer, whose sequence numbers let the broker drop what it already has.
 */
async function sendAnswered(
  records: readonly ProduceRecord[],
  sendOnce: (records: readonly ProduceRecord[]) => Promise<readonly PartitionAnswer[]>,
  logger: Logger,
): Promise<string[]> {
  const offsets = new Map<ProduceRecord, string>();
  let unanswered: readonly ProduceRecord[] = records;
  for (let round = 1; unanswered.length > 0; round++) {
    if (round > maxSendRounds) {
      throw new PublishError(
        publishErrorCodes.notAcknowledged,
        `Kafka's answer left out the partitions of ${unanswered.length} records ${maxSendRounds} times; they may or may not be stored: publish them again`,
        { retriable: true },
      );
    }
    const answered = matchAnswers(unanswered, await sendOnce(unanswered));
    for (const [record, offset] of answered.offsets) offsets.set(record, offset);
    if (answered.unanswered.length > 0)
      logger.warn(
        { records: answered.unanswered.length, round },
        'Kafka answered the send without some partitions; sending their records again',
      );
    unanswered = answered.unanswered;
  }
  return records.map((record) => offsets.get(record) as string);
}

/** Our security settings as @platformatic/kafka takes them (node:tls options and its SASL shape). */
export function platformaticSecurity(security: KafkaSecurity): Pick<ProducerOptions<Buffer, Buffer, string, string>, 'tls' | 'sasl'> {
  const tlsOptions = usesTls(security.protocol) ? { tls: nodeTlsOptions(security.tls) } : {};
  const sasl = security.sasl;
  if (sasl === undefined) return tlsOptions;
  return {
    ...tlsOptions,
    sasl:
      sasl.mechanism === 'OAUTHBEARER'
        ? { mechanism: 'OAUTHBEARER', token: () => sasl.token() }
        : { mechanism: sasl.mechanism, username: sasl.username, password: sasl.password },
  };
}

/**
 * What @platformatic/kafka's error says at its leaves: it wraps a broker's answer ("MESSAGE_TOO_LARGE:
 * The request included a message larger than…") in "Producing messages failed." twice over.
 */
export function describeProduceFailure(error: unknown): string {
  const leaves: string[] = [];
  const walk = (current: unknown, depth: number): void => {
    if (!(current instanceof Error) || depth > 5) return;
    const nested = [...((current as Error & { errors?: unknown[] }).errors ?? []), ...(current.cause === undefined ? [] : [current.cause])];
    if (nested.length === 0) {
      const apiId = (current as Error & { apiId?: unknown }).apiId;
      leaves.push(typeof apiId === 'string' ? `${apiId}: ${current.message}` : current.message);
    } else for (const inner of nested) walk(inner, depth + 1);
  };
  walk(error, 0);
  const unique = [...new Set(leaves)];
  return unique.length === 0 ? coerceError(error).message : unique.join('; ');
}

// Loaded on first use: the client takes most of a second to import, which every `evp` command and
// service would otherwise pay at start, whether it produces or not.
const importPlatformatic = () => import('@platformatic/kafka');
let platformatic: ReturnType<typeof importPlatformatic> | undefined;
const loadPlatformatic = () => (platformatic ??= importPlatformatic());

function platformaticLane(options: LaneProducerOptions): LaneProducer {
  const { retry } = options;
  const newProducer = async (): Promise<PlatformaticProducer<Buffer, Buffer, string, string>> => {
    const { Producer, ProduceAcks } = await loadPlatformatic();
    return new Producer<Buffer, Buffer, string, string>({
      clientId: options.clientId,
      bootstrapBrokers: [...options.brokers],
      ...platformaticSecurity(options.security ?? plaintext),
      idempotent: true,
      acks: ProduceAcks.ALL,
      compression: options.compression,
      autocreateTopics: false,
      // The produce request's own timeout: how long the broker may wait for its replicas.
      timeout: options.ackTimeoutMs,
      requestTimeout: options.ackTimeoutMs + 5_000,
      connectTimeout: 3_000,
      retries: retry.retries,
      retryDelay: (_client, _operation, attempt) => backoff(retry, attempt),
      serializers: { headerKey: headerName, headerValue: (value) => Buffer.from(value ?? '') },
    });
  };
  // Made ahead of its first send: a failure to make it (the import, its options) is that send's to report.
  const started = () => {
    const made = newProducer();
    made.catch(() => undefined);
    return made;
  };
  let producer = started();
  // Every wait the retry budget allows, and each attempt's own timeout: past it the send is given up.
  const deadlineMs =
    (retry.retries + 1) * (options.ackTimeoutMs + 5_000) +
    Array.from({ length: retry.retries }, (_, i) => backoff(retry, i + 1)).reduce((a, b) => a + b, 0);
  const sendOnce = async (records: readonly ProduceRecord[]): Promise<PartitionAnswer[]> => {
    const pending = producer;
    const current = await pending;
    const sent = current.send({
      messages: records.map((record) => ({
        topic: record.topic,
        partition: record.partition,
        key: record.key,
        value: record.value,
        headers: record.headers,
        timestamp: BigInt(record.timestamp),
      })),
    });
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        // A send that outlived its whole retry budget: its producer is closed (a late write of it could
        // come after the next request's) and the next send starts a new one, with a new producer id.
        if (producer === pending) producer = started();
        void current.close(true).catch(() => undefined);
        reject(new Error(`no answer from Kafka within ${Math.round(deadlineMs / 1000)} s, the request's whole retry budget`));
      }, deadlineMs);
    });
    try {
      const answer = await Promise.race([sent, expired]);
      return (answer.offsets ?? []).map(({ topic, partition, offset }) => ({ topic, partition, baseOffset: offset }));
    } catch (error) {
      // The publisher's buffer reports it (EVP_PUBLISH_NOT_ACKNOWLEDGED) with this as the cause.
      throw new Error(describeProduceFailure(error), { cause: error });
    } finally {
      clearTimeout(timer);
    }
  };
  return {
    send: (records) => sendAnswered(records, sendOnce, options.logger),
    close: async () => (await producer).close(),
  };
}

/** Header names are a handful (the CloudEvents ones): their bytes are made once, not per record. */
const headerNames = new Map<string, Buffer>();
function headerName(name: string | undefined): Buffer {
  const key = name ?? '';
  let bytes = headerNames.get(key);
  if (bytes === undefined) {
    bytes = Buffer.from(key);
    if (headerNames.size < 1_000) headerNames.set(key, bytes);
  }
  return bytes;
}

function backoff(retry: LaneProducerOptions['retry'], attempt: number): number {
  return Math.min(retry.maxRetryTime, retry.initialRetryTime * 2 ** Math.max(0, attempt - 1));
}

// kafkajs is CommonJS: only some of its exports are visible as named ESM imports.
const { CompressionCodecs, CompressionTypes, Partitioners } = kafkajs;

const kafkajsCompressions = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
} as const;

function kafkajsLane(options: LaneProducerOptions): LaneProducer {
  const kafka = options.kafka;
  if (kafka === undefined) throw new Error('a kafkajs lane needs a kafkajs client (options.kafka)');
  const compression = kafkajsCompressions[options.compression];
  const newProducer = () =>
    kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      retry: options.retry,
      // Every record carries its partition already; this only silences kafkajs's notice.
      createPartitioner: Partitioners.DefaultPartitioner,
    });
  let producer: Promise<KafkajsProducer> | undefined;
  const connected = (): Promise<KafkajsProducer> => {
    producer ??= (async () => {
      const created = newProducer();
      await created.connect();
      return created;
    })();
    producer.catch(() => (producer = undefined));
    return producer;
  };
  const sendOnce = async (records: readonly ProduceRecord[]): Promise<PartitionAnswer[]> => {
    const current = await connected();
    const byTopic = new Map<string, ProduceRecord[]>();
    for (const record of records) {
      const topicRecords = byTopic.get(record.topic);
      if (topicRecords) topicRecords.push(record);
      else byTopic.set(record.topic, [record]);
    }
    try {
      const answers = await current.sendBatch({
        acks: -1,
        timeout: options.ackTimeoutMs,
        compression,
        topicMessages: [...byTopic].map(([topic, topicRecords]) => ({
          topic,
          messages: topicRecords.map((r) => ({
            key: r.key,
            value: r.value,
            headers: { ...r.headers },
            partition: r.partition,
            timestamp: r.timestamp,
          })),
        })),
      });
      return answers
        .filter((answer) => answer.errorCode === 0)
        .map((answer) => ({ topic: answer.topicName, partition: answer.partition, baseOffset: answer.baseOffset ?? answer.offset }));
    } catch (error) {
      // After a request failed past its retries the idempotent sequence may be broken: the next send starts a new producer id.
      producer = undefined;
      await current.disconnect().catch(() => undefined);
      throw error;
    }
  };
  return {
    // kafkajs's sendBatch keeps the answers of brokers that answered across its retries and resends
    // only to brokers without one; a partition whose leadership moved meanwhile to a broker that had
    // answered is never sent, yet the call resolves (tulios/kafkajs#1303): sendAnswered sends it again.
    send: (records) => sendAnswered(records, sendOnce, options.logger),
    close: async () => {
      const current = await producer?.catch(() => undefined);
      await current?.disconnect();
    },
  };
}

/**
 * Whether the pipeline's consumers can read records compressed so. They read with kafkajs, which
 * has gzip built in and the other codecs only once added to its CompressionCodecs.
 */
export function consumersCanRead(compression: Compression): boolean {
  if (compression === 'none') return true;
  // kafkajs lists every codec, the missing ones as factories that throw "not implemented".
  const codec = CompressionCodecs[kafkajsCompressions[compression]];
  try {
    codec?.();
    return codec !== undefined;
  } catch {
    return false;
  }
}

export function createLaneProducer(client: ProducerClient, options: LaneProducerOptions): LaneProducer {
  return client === 'platformatic' ? platformaticLane(options) : kafkajsLane(options);
}
