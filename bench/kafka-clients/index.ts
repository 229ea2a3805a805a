import type { ChildProcess } from 'node:child_process';
import os from 'node:os';
import type { Admin } from 'kafkajs';
import type { Logger } from '../../adapters/logger.js';
import { entityTopic } from '../../core/topics.js';
import { figure, machineNote } from '../lib/format.js';
import type { KafkaTools } from '../lib/kafka-tool.js';
import { createBenchTopics } from '../lib/stack.js';
import { randomLetters } from '../payload.js';
import { consumeWithJava, produceWithJava } from './java.js';
import { consumeWithKafkajs, produceWithKafkajs, type Compression } from './kafkajs.js';
import { consumeWithPlatformatic, produceWithPlatformatic } from './platformatic.js';
import { clients, summarizeRuns, type Client, type ClientsReport, type Measured, type RunResult, type WorkloadName } from './table.js';
import { createWorkload, recordBytes, roundOrder, type WorkloadSpec } from './workload.js';

/**
 * The kafka-clients scenario: kafkajs (the project's client), @platformatic/kafka and Kafka's
 * own Java tools on the same records against the same broker, in interleaved rounds (each round
 * runs every workload with every client, the clients' order rotated), so drift on a busy machine
 * spreads over all of them. Produce runs each get a fresh topic; the consume runs of a round read
 * the topic its first successful "produce none" run wrote, each in a group of its own.
 */

export interface KafkaClientsOptions {
  readonly spec: WorkloadSpec;
  readonly rounds: number;
  /** Every topic and group starts with `<topicPrefix>.`. */
  readonly topicPrefix: string;
  readonly brokers: readonly string[];
  readonly admin: Admin;
  readonly logger: Logger;
  readonly java: KafkaTools;
  /** Called with each Java process, so an interrupted run can stop it. */
  readonly onChild?: (child: ChildProcess | undefined) => void;
}

export interface KafkaClientsReport extends ClientsReport {
  readonly scenario: 'kafka-clients';
  readonly spec: WorkloadSpec;
  readonly runs: readonly RunResult[];
}

const slug = (client: Client) => client.replace(/[^a-z]+/g, '');

export async function runKafkaClients(options: KafkaClientsOptions): Promise<KafkaClientsReport> {
  const { spec, rounds, brokers, java } = options;
  const workload = createWorkload(spec, randomLetters);
  const loadAtStart = os.loadavg();
  const runs: RunResult[] = [];
  const groups: string[] = [];

  const measure = async (round: number, name: WorkloadName, client: Client, topic: string, body: () => Promise<Measured>) => {
    process.stderr.write(`bench: kafka-clients round ${round + 1}/${rounds}, ${name}, ${client}\n`);
    try {
      const measured = await body();
      runs.push({
        round,
        workload: name,
        client,
        topic,
        recordsPerSec: (measured.records / measured.elapsedMs) * 1000,
        elapsedMs: measured.elapsedMs,
        error: null,
        detail: measured.detail,
      });
    } catch (error) {
      const detail = (error as { detail?: Record<string, unknown> }).detail ?? {};
      runs.push({ round, workload: name, client, topic, recordsPerSec: null, elapsedMs: null, error: (error as Error).message, detail });
    }
  };
  const freshTopic = async (prefix: string) => {
    await createBenchTopics(options.admin, prefix, ['records'], spec.partitions, 3_600_000);
    return entityTopic(prefix, 'records');
  };

  try {
    for (let round = 0; round < rounds; round++) {
      for (const compression of ['none', 'gzip'] as const satisfies readonly Compression[]) {
        const name: WorkloadName = `produce ${compression}`;
        for (const client of roundOrder(clients, round)) {
          const topic = await freshTopic(`${options.topicPrefix}.r${round}.${slug(client)}-${compression}`);
          await measure(round, name, client, topic, () => {
            if (client === 'kafkajs') return produceWithKafkajs(brokers, workload, topic, compression);
            if (client === '@platformatic/kafka') return produceWithPlatformatic(brokers, workload, topic, compression);
            if ('unavailable' in java) throw new Error(java.unavailable);
            return produceWithJava(java, brokers, spec, topic, compression, options.onChild);
          });
        }
      }
      const source = clients
        .map((client) =>
          runs.find((run) => run.round === round && run.workload === 'produce none' && run.client === client && run.error === null),
        )
        .find((run) => run !== undefined)?.topic;
      if (source === undefined) continue;
      for (const [name, workMs] of [
        ['consume, commit per batch', 0],
        ['consume + work per batch', spec.workMs],
      ] as const) {
        for (const client of roundOrder(clients, round)) {
          if (client === 'Java' && workMs > 0) continue;
          const group = `${options.topicPrefix}.r${round}.${slug(client)}-${workMs > 0 ? 'work' : 'plain'}`;
          groups.push(group);
          await measure(round, name, client, source, () => {
            if (client === 'kafkajs') return consumeWithKafkajs(brokers, source, group, spec.records, workMs);
            if (client === '@platformatic/kafka') return consumeWithPlatformatic(brokers, source, group, spec.records, workMs);
            if ('unavailable' in java) throw new Error(java.unavailable);
            return consumeWithJava(java, brokers, source, group, spec.records, options.onChild);
          });
        }
      }
    }
  } finally {
    if (groups.length > 0)
      await options.admin
        .deleteGroups(groups)
        .catch((error: unknown) => options.logger.debug({ err: error }, 'deleting the kafka-clients consumer groups failed'));
  }

  return {
    scenario: 'kafka-clients',
    spec,
    rounds,
    rows: summarizeRuns(runs, rounds),
    notes: clientNotes(spec, workload.record(0), runs, loadAtStart),
    runs,
  };
}

/** What a run of `client` noted under `key`, over the runs that noted it. */
function details(runs: readonly RunResult[], client: Client, key: string): unknown[] {
  return runs.filter((run) => run.client === client && run.detail[key] !== undefined).map((run) => run.detail[key]);
}

function clientNotes(
  spec: WorkloadSpec,
  sample: ReturnType<ReturnType<typeof createWorkload>['record']>,
  runs: readonly RunResult[],
  loadAtStart: number[],
): string[] {
  const headerBytes = recordBytes(sample) - sample.key.length - sample.value.length;
  const inFlight = details(runs, 'kafkajs', 'maxProduceRequestsInFlightPerBroker') as number[];
  const produceRequests = (details(runs, 'kafkajs', 'produceRequests') as number[]).reduce((sum, n) => sum + n, 0);
  const warnings = new Map<string, number>();
  for (const counts of details(runs, 'kafkajs', 'warnings') as Record<string, number>[])
    for (const [text, n] of Object.entries(counts)) warnings.set(text, (warnings.get(text) ?? 0) + n);
  const kept = [...new Set(details(runs, '@platformatic/kafka', 'maxInflightsKept'))];
  const batches = (client: Client, name: WorkloadName) =>
    runs
      .filter((run) => run.client === client && run.workload === name && typeof run.detail['batches'] === 'number')
      .map((run) => figure(run.detail['batches'] as number))
      .join('/') || '-';
  return [
    `records: ${figure(spec.records)} per run, value ${figure(spec.recordBytes)} B, key ${sample.key.length} B over ${figure(spec.keys)} keys, ` +
      `${spec.headers} headers of ${headerBytes} B (names and values); ${spec.partitions} partitions, a fresh topic per produce run; ` +
      `acks=all, idempotent, ≤ ${figure(spec.window)} records unacknowledged`,
    `Node clients: send() of ${figure(spec.batch)} records, ≤ ${Math.max(1, Math.floor(spec.window / spec.batch))} sends unanswered; ` +
      `timed from the first send to the last acknowledgement`,
    `kafkajs: Produce requests in flight per broker at most ${inFlight.length > 0 ? Math.max(...inFlight) : '-'} ` +
      `(${figure(produceRequests)} requests over its produce runs, maxInFlightRequests left unlimited); warnings it logged: ` +
      ([...warnings].map(([text, n]) => `"${text}" ×${n}`).join(', ') || 'none'),
    `@platformatic/kafka: maxInflights 5 asked, ${kept.join('/') || '-'} kept (the producer sets 1 when idempotent)`,
    'Java: ProducerPerformance sends values only (no key, no headers), producer defaults (5 requests in flight, batch.size 16 KB, linger 0 ms); ' +
      "ConsumerPerformance's fetch.nMsg.sec (its run less the group join), auto-commit, no work; " +
      '"consume + work" is compared with its plain consume',
    `consume: each round reads its first successful "produce none" topic from the start, a group per run; ` +
      `timed from the group join (as ConsumerPerformance) to the commit of the last batch; batches per run: kafkajs ${batches('kafkajs', 'consume, commit per batch')}, ` +
      `@platformatic/kafka ${batches('@platformatic/kafka', 'consume, commit per batch')} ` +
      `(+ work: ${spec.workMs} ms awaited per batch before its commit; ${batches('kafkajs', 'consume + work per batch')}, ` +
      `${batches('@platformatic/kafka', 'consume + work per batch')})`,
    "× Java: records/s ÷ Java's records/s in the same round; medians are nearest-rank over the rounds",
    `load average (1, 5, 15 min) ${loadAtStart.map((load) => load.toFixed(1)).join(' ')} at the start, ` +
      `${os
        .loadavg()
        .map((load) => load.toFixed(1))
        .join(' ')} at the end: other work on this machine skews every figure`,
    machineNote(),
    ...runs
      .filter((run) => run.error !== null)
      .map((run) => `FAILED round ${run.round + 1}, ${run.workload}, ${run.client}: ${run.error ?? ''}`),
  ];
}
