import { Kafka, logLevel } from '../adapters/kafka/index.js';
import { dropKafkajsTimerWarning } from '../adapters/kafka/kafkajs-timer-warning.js';
import { waitReady } from './ready.js';
import type { ServiceContext } from './service.js';

/*
 * Asking the local Kafka whether it answers: one node, or a whole cluster. A KRaft node opens its
 * client port only once it has registered with the controller and caught up on the metadata, so
 * an answer means a ready broker; until then the connection is refused, which costs nothing.
 */

/** True when the brokers answer a metadata request (kafkajs admin describeCluster) listing at least `minBrokers`. */
export async function probeKafka(brokers: readonly string[], timeoutMs = 3000, minBrokers = 1): Promise<boolean> {
  dropKafkajsTimerWarning();
  const kafka = new Kafka({
    clientId: 'evp-stack-probe',
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: Math.min(timeoutMs, 1000),
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length >= Math.max(1, minBrokers);
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * Waits until every node's metadata lists all the cluster's brokers. Each node learns of the others
 * from the metadata log at its own pace: one may list three brokers while another still lists two.
 */
export function waitKafkaCluster(ctx: ServiceContext, endpoints: readonly string[], logFiles: readonly string[]): Promise<void> {
  const everyNodeSeesAll = async () =>
    (await Promise.all(endpoints.map((endpoint) => probeKafka([endpoint], 3000, endpoints.length)))).every(Boolean);
  return waitReady(everyNodeSeesAll, {
    timeoutMs: ctx.config.stack.readyTimeoutMs,
    intervalMs: 300,
    failure: `The nodes of the Kafka cluster at ${endpoints.join(',')} did not each list its ${endpoints.length} brokers (kafkajs admin describeCluster)`,
    readLog: logFiles.join(' and '),
  });
}

export function waitKafka(
  ctx: ServiceContext,
  brokers: readonly string[],
  readLog: string,
  label = 'Kafka',
  abortReason?: () => string | undefined,
): Promise<void> {
  return waitReady(() => probeKafka(brokers), {
    timeoutMs: ctx.config.stack.readyTimeoutMs,
    intervalMs: 200,
    failure: `${label} at ${brokers.join(',')} did not answer a metadata request (kafkajs admin describeCluster)`,
    readLog,
    ...(abortReason ? { abortReason } : {}),
  });
}
