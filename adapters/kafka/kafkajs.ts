/** kafkajs as the rest of the project sees it: through the adapter. */
import kafkajs from 'kafkajs';

export { kafkajs };
export { Kafka, Partitioners, logLevel } from 'kafkajs';
export type { Admin, Consumer, EachBatchPayload, ISocketFactory, KafkaConfig, KafkaMessage, Producer, ProducerRecord } from 'kafkajs';
