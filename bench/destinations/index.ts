import { amqpCase } from './amqp.js';
import type { DestinationBenchCase } from './case.js';
import { kinesisCase } from './kinesis.js';
import { mqttCase } from './mqtt.js';
import { natsCase } from './nats.js';
import { redisCase } from './redis.js';
import { s3Case } from './s3.js';
import { sqsCase } from './sqs.js';

/** The types the destinations bench measures, in the order it runs them. */
export const destinationBenchCases: readonly DestinationBenchCase[] = [
  amqpCase,
  natsCase,
  redisCase,
  mqttCase,
  s3Case,
  sqsCase,
  kinesisCase,
];

export type { BenchTarget, DestinationBenchCase } from './case.js';
