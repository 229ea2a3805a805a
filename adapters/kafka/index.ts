/**
 * The Kafka adapter: the only way into a Kafka client for the rest of the project (a lint rule
 * keeps it so). Producing goes through @platformatic/kafka by default (producer.ts), which sends
 * 2–3× what kafkajs does here; consumer groups, admin and the destinations' producers use kafkajs,
 * which consumes 2–3× faster than @platformatic/kafka 2.12 and has the seek, per-partition pause
 * and admin calls the consumers rely on (`npm run bench -- kafka-clients` has the figures).
 */
export * from './kafkajs.js';
export * from './answers.js';
export * from './client.js';
export * from './diagnosis.js';
export * from './producer.js';
export * from './renewing-producer.js';
export * from './security.js';
export * from './static-membership.js';
export { dropKafkajsTimerWarning } from './kafkajs-timer-warning.js';
