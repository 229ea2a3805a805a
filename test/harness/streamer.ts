import type { StreamerOptions } from '../../consumers/streamer/index.js';
import type { Publisher } from '../../producers/types.js';
import { testFileRoot } from './api.js';
import type { TestContext } from './index.js';
import { createTestLogger } from './log-sink.js';
import { testSecretBox } from './secrets.js';

/** A quick retry schedule for tests: seven attempts within a few seconds. */
export const testRetrySchedule = [0, 200, 400, 800, 800, 800, 800];

/** The options `evp streamer` would build from this file's environment, over `schema`. */
export function streamerOptions(
  ctx: TestContext,
  schema: string,
  publisher?: Publisher,
  overrides: Partial<StreamerOptions> = {},
): StreamerOptions {
  return {
    kafkaBrokers: ctx.endpoints.kafkaBrokers,
    schemaRegistryUrl: ctx.endpoints.schemaRegistryUrl,
    databaseUrl: ctx.endpoints.databaseUrl,
    databaseSchema: schema,
    topicPrefix: ctx.topicPrefix,
    groupId: ctx.groupId('streamer'),
    logger: createTestLogger((process.env['TEST_STREAMER_LOG'] as 'warn' | undefined) ?? 'error', { service: 'streamer' }),
    port: 0,
    allowedHosts: ['127.0.0.1'],
    // The stack's Kafka is the pipeline's own: tests write to topics of theirs there.
    allowedKafkaBrokers: ctx.endpoints.kafkaBrokers,
    secretBox: testSecretBox,
    fileRoot: testFileRoot,
    retryScheduleMs: testRetrySchedule,
    maxConcurrency: 10,
    timeoutMs: 3_000,
    disableAfterMs: 5 * 86_400_000,
    retentionDays: 90,
    destinationRefreshMs: 200,
    lingerMs: 10,
    publishEvent: publisher ? (type, event) => publisher.publishUntyped(type, event) : undefined,
    ...overrides,
  };
}
