import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createKafka } from '../../adapters/kafka/index.js';
import { createRegistryClient } from '../../adapters/registry.js';
import { entityTopic, valueSubject } from '../../core/topics.js';
import { encodeWireFormat } from '../../core/wire-format.js';
import type { Scenario } from '../scenario.js';
import type { StoreSnapshot } from '../store-probe.js';

export interface Poison {
  readonly kind: string;
  readonly partition: number;
  readonly offset: string;
}

const rounds = 8;

/**
 * 8. Raw records that are not events, produced straight to an entity topic between good events:
 * bytes that are not the wire format, JSON, a tombstone, an unknown schema id, and a registered
 * schema id followed by bytes that are not its Avro. Each must land in `dead_letters` with a
 * reason; every good event must be stored.
 */
export const poisonRecords: Scenario = {
  id: '8',
  name: 'poison-records',
  title: 'poison records',
  brokers: 1,
  rate: 50,
  entities: ['invoice'],
  async inject(ctx) {
    const topic = entityTopic(ctx.pipeline.topicPrefix, 'invoice');
    const registry = createRegistryClient({ url: ctx.stack.endpoints().schemaRegistryUrl });
    const registered = await registry.latest(valueSubject(topic));
    if (!registered) throw new Error(`no schema is registered for ${topic}`);
    const kinds: { kind: string; value: () => Buffer | null }[] = [
      { kind: 'garbage bytes', value: () => Buffer.concat([Buffer.from([0xff]), randomBytes(63)]) },
      { kind: 'JSON', value: () => Buffer.from('{"type":"invoice.created","id":"evt_json"}') },
      { kind: 'tombstone', value: () => null },
      { kind: 'unknown schema id', value: () => encodeWireFormat(2_000_000_000, randomBytes(40)) },
      { kind: 'not Avro of its schema', value: () => encodeWireFormat(registered.id, Buffer.from([0x81, 0x82, 0x83])) },
    ];
    const kafka = createKafka({ brokers: ctx.stack.endpoints().kafkaBrokers, clientId: 'evp-chaos-poison', logger: ctx.pipeline.logger });
    const producer = kafka.producer();
    await producer.connect();
    const poison: Poison[] = [];
    try {
      for (let round = 0; round < rounds; round++) {
        for (const { kind, value } of kinds) {
          await sleep(150 + Math.random() * 150);
          const [sent] = await producer.send({ topic, acks: -1, messages: [{ key: `poison_${round}_${poison.length}`, value: value() }] });
          if (!sent || sent.baseOffset === undefined) throw new Error('the broker did not say where a poison record went');
          poison.push({ kind, partition: sent.partition, offset: sent.baseOffset });
        }
      }
    } finally {
      await producer.disconnect();
    }
    ctx.note(`${poison.length} poison records produced among good events`);
    return {
      injected: `${poison.length} poison records (${kinds.length} kinds) among good events`,
      faults: [],
      check: (store) => missingDeadLetters(store, topic, poison),
    };
  },
};

/** Each poison record must be in `dead_letters` with a reason code and a reason; no other dead letter may be. */
export function missingDeadLetters(store: StoreSnapshot, topic: string, poison: readonly Poison[]): string[] {
  const problems: string[] = [];
  const missing = poison.filter(
    (record) =>
      !store.deadLetters.some(
        (letter) =>
          letter.topic === topic &&
          letter.partition === record.partition &&
          letter.offset === record.offset &&
          letter.reason.trim() !== '' &&
          letter.reasonCode.trim() !== '',
      ),
  );
  for (const record of missing)
    problems.push(`poison record (${record.kind}) at ${topic}/${record.partition}@${record.offset} is not in dead_letters with a reason`);
  const extra = store.deadLetters.length - (poison.length - missing.length);
  if (extra > 0) problems.push(`${extra} dead letters are not poison records`);
  return problems;
}
