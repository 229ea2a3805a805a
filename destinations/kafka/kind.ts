import { Type, type Static } from 'typebox';
import { SafeString } from '../../core/request-schemas.js';
import { defineKind } from '../kind.js';

/** Each event as a record of a topic on another Kafka cluster, keyed by its entity id. */
export const KafkaSettings = Type.Object(
  {
    brokers: Type.Array(SafeString({ minLength: 1, maxLength: 300 }), {
      minItems: 1,
      maxItems: 20,
      description:
        "Bootstrap brokers, host:port. Neither the pipeline's own cluster nor internal addresses, unless the operator allows the broker (DESTINATION_ALLOWED_KAFKA_BROKERS).",
    }),
    topic: SafeString({
      minLength: 1,
      maxLength: 249,
      description: "Never one of Kafka's internal topics (__…), nor one of the pipeline's own on its cluster.",
    }),
  },
  { additionalProperties: false },
);
export type KafkaSettings = Static<typeof KafkaSettings>;

export const kafka = defineKind({
  name: 'kafka',
  label: 'Kafka topic',
  settings: KafkaSettings,
  signed: false,
  target: (settings) => ({ name: settings.topic, on: settings.brokers.join(', ') }),
  fields: [
    { setting: 'brokers', id: 'dst-brokers', label: 'Brokers', input: 'list', placeholder: 'broker-1:9092, broker-2:9092' },
    { setting: 'topic', id: 'dst-topic', label: 'Topic', input: 'text' },
  ],
  flags: [
    { setting: 'brokers', flag: '--brokers <list>', description: 'bootstrap brokers, comma-separated host:port', value: 'list' },
    { setting: 'topic', flag: '--topic <topic>', description: 'the topic written to' },
  ],
});
