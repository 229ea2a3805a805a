import type { ChildProcess } from 'node:child_process';
import { runKafkaTool, type KafkaToolLauncher } from '../lib/kafka-tool.js';
import { producerPerformanceSummary } from '../produce.js';
import type { Compression } from './kafkajs.js';
import type { Measured } from './table.js';
import type { WorkloadSpec } from './workload.js';

/**
 * The ceiling: Kafka's own ProducerPerformance and ConsumerPerformance (3.9, the stack's jars).
 * ProducerPerformance sends values only (no key, no headers) and keeps the Java producer's
 * defaults (5 requests in flight per connection, 32 MB buffer, batch.size 16 KB, linger 0 ms in 3.9);
 * ConsumerPerformance commits with the consumer's default auto-commit (every 5 s) and does no work
 * per batch. Their own timers are used: JVM start-up and the group join are outside them.
 */

export async function produceWithJava(
  launcher: KafkaToolLauncher,
  brokers: readonly string[],
  spec: WorkloadSpec,
  topic: string,
  compression: Compression,
  onChild?: (child: ChildProcess | undefined) => void,
): Promise<Measured> {
  const args = [
    '--topic',
    topic,
    '--num-records',
    String(spec.records),
    '--record-size',
    String(spec.recordBytes),
    '--throughput',
    '-1',
    '--producer-props',
    `bootstrap.servers=${brokers.join(',')}`,
    'acks=all',
    'enable.idempotence=true',
    `compression.type=${compression}`,
    'client.id=evp-bench-java',
  ];
  const run = await runKafkaTool(launcher, 'ProducerPerformance', args, `ProducerPerformance ${compression}`, onChild);
  const summary = run.stdout.map((line) => producerPerformanceSummary.exec(line)).find((match) => match !== null);
  if (run.exit !== 0 || !summary)
    throw new Error(`ProducerPerformance exited with ${run.exit}: ${run.stderr.slice(-3).join(' | ') || 'no summary line'}`);
  const records = Number(summary[1]);
  const perSec = Number(summary[2]);
  return { records, elapsedMs: (records / perSec) * 1000, detail: { summary: summary[0] } };
}

/**
 * ConsumerPerformance's figures: its CSV line (`start.time, end.time, data.consumed.in.MB, MB.sec,
 * data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec`),
 * the records and the fetch time (the run less the group join), or undefined for any other line.
 */
export function parseConsumerPerformance(line: string): { records: number; fetchMs: number } | undefined {
  const fields = line.split(',').map((field) => field.trim());
  if (fields.length !== 10) return undefined;
  const records = Number(fields[4]);
  const fetchMs = Number(fields[7]);
  return Number.isFinite(records) && Number.isFinite(fetchMs) ? { records, fetchMs } : undefined;
}

export async function consumeWithJava(
  launcher: KafkaToolLauncher,
  brokers: readonly string[],
  topic: string,
  groupId: string,
  records: number,
  onChild?: (child: ChildProcess | undefined) => void,
): Promise<Measured> {
  const args = [
    '--bootstrap-server',
    brokers.join(','),
    '--topic',
    topic,
    '--group',
    groupId,
    '--messages',
    String(records),
    '--timeout',
    String(60_000),
    '--hide-header',
  ];
  const run = await runKafkaTool(launcher, 'ConsumerPerformance', args, 'ConsumerPerformance', onChild);
  const figures = run.stdout.map(parseConsumerPerformance).find((parsed) => parsed !== undefined);
  if (run.exit !== 0 || !figures)
    throw new Error(`ConsumerPerformance exited with ${run.exit}: ${run.stderr.slice(-3).join(' | ') || 'no figures line'}`);
  return { records: figures.records, elapsedMs: figures.fetchMs, detail: { line: run.stdout.join(' ') } };
}
