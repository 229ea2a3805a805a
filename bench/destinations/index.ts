import { amqpCase } from './amqp.js';
import type { DestinationBenchCase } from './case.js';
import { natsCase } from './nats.js';

/** The types the destinations bench measures, in the order it runs them. */
export const destinationBenchCases: readonly DestinationBenchCase[] = [amqpCase, natsCase];

export type { BenchTarget, DestinationBenchCase } from './case.js';
