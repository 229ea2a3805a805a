import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from '../adapters/kafka/index.js';
import { StackError, stackErrorCodes } from '../adapters/errors.js';
import { dropKafkajsTimerWarning } from '../adapters/kafka/kafkajs-timer-warning.js';
import { readDaemon, startDaemon, stopDaemon } from './daemon.js';
import { createClusterId, kafkaNodeAddresses, parseMetaClusterId, renderServerProperties, type KafkaNodeAddress } from './kafka-config.js';
import { checkReleaseMarker, kafkaLogging, kafkaReleaseOf, writeReleaseMarker } from './kafka-release.js';
import { ensureLocalSecurity, type LocalSecurity } from './kafka-secure.js';
import { withLock } from './lock.js';
import { isPortOpen, waitUntil } from './net.js';
import { kafkaClusterIdFile, kafkaNodePaths, mavenDir, type KafkaNodePaths } from './paths.js';
import { waitKafka, waitKafkaCluster } from './kafka-probe.js';
import { exitedReason } from './ready.js';
import type { ServiceContext } from './service.js';
import { fetchOnce, findJava, mavenWork, requireMaven, runMaven } from './tools.js';
import { javaRequirements } from './versions.js';

/**
 * The nodes of the local Kafka, one by one: what runs where, and starting or stopping a single node
 * with its data kept (what a chaos test does: SIGKILL one node of three, then bring it back).
 */
const run = promisify(execFile);

/** Lines of Kafka's server.log that say why it stopped. */
const kafkaProblem = /\b(ERROR|FATAL)\b|Exception|Error:/;

/** One node of the local Kafka as configured (`EVP_KAFKA_NODES`), and its process if it runs. */
export interface KafkaNode extends KafkaNodeAddress {
  /** `127.0.0.1:<port>`, what clients connect to. */
  readonly endpoint: string;
  /** Its folder: data, server.properties, server.log, kafka.pid. */
  readonly dir: string;
  readonly pidFile: string;
  readonly logFile: string;
  /** The running process (started by the stack), or undefined when the node is down. */
  readonly pid: number | undefined;
  /** The Kafka release it runs (as its pid file records it), or would run: the configured one. */
  readonly release: string;
}

/** The configured nodes (or those of a cluster of `nodes`), each with its pid when it runs. */
export function kafkaNodes(ctx: ServiceContext, nodes: number = ctx.config.stack.kafkaNodes): KafkaNode[] {
  const { kafkaPort, kafkaControllerPort, kafkaSecurePort } = ctx.config.stack;
  return kafkaNodeAddresses({ kafkaPort, kafkaControllerPort, kafkaSecurePort, kafkaNodes: nodes }).map((address) => {
    const files = kafkaNodePaths(ctx.paths, nodes, address.nodeId);
    const running = readDaemon(files.pid);
    return {
      ...address,
      endpoint: `127.0.0.1:${address.port}`,
      dir: files.dir,
      pidFile: files.pid,
      logFile: files.log,
      pid: running?.pid,
      release: running?.meta['release'] ?? ctx.config.stack.kafkaVersion,
    };
  });
}

export interface StartKafkaNodeOptions {
  /** Also wait until the node is back in the in-sync replicas of every partition it holds. @defaultValue false */
  readonly inSync?: boolean;
}

/**
 * Starts one node of the configured cluster with the data it had (formatting its storage only if it
 * has none) and waits until it answers; a node that runs is left as is. The other nodes must be up
 * for a node of three to answer: it needs a controller quorum. Holds the stack lock meanwhile.
 */
export async function startKafkaNode(ctx: ServiceContext, nodeId: number, options: StartKafkaNodeOptions = {}): Promise<KafkaNode> {
  const node = kafkaNodes(ctx).find((candidate) => candidate.nodeId === nodeId);
  if (!node) {
    throw new StackError(
      stackErrorCodes.startFailed,
      `Kafka node ${nodeId} is not one of the ${ctx.config.stack.kafkaNodes} configured (EVP_KAFKA_NODES); nodes are numbered from 1.`,
    );
  }
  await withLock(ctx.paths.lockFile, ctx.config.stack.readyTimeoutMs * 3, async () => {
    if (node.pid === undefined) await launchKafkaNodes(ctx, [nodeId]);
    else await waitKafka(ctx, [node.endpoint], node.logFile, `Kafka node ${nodeId}`);
  });
  if (options.inSync === true) await waitKafkaNodeInSync(ctx, nodeId);
  return kafkaNodes(ctx).find((candidate) => candidate.nodeId === nodeId) as KafkaNode;
}

/**
 * Stops one node the stack started: SIGTERM (a controlled shutdown that first moves its
 * leaderships away, SIGKILL after 20 s), or SIGKILL at once, as a crash would. Its data stays;
 * `startKafkaNode` or `evp stack up` brings it back. False when it was not running.
 */
export function stopKafkaNode(ctx: ServiceContext, nodeId: number, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<boolean> {
  const node = kafkaNodes(ctx).find((candidate) => candidate.nodeId === nodeId);
  return node ? stopDaemon(node.pidFile, signal, 20_000) : Promise.resolve(false);
}

/**
 * Waits until node `nodeId` is in the in-sync replicas of every partition it holds a replica of:
 * a restarted node has caught up, and another node may die without a partition falling below
 * min.insync.replicas.
 */
export async function waitKafkaNodeInSync(ctx: ServiceContext, nodeId: number): Promise<void> {
  const endpoints = kafkaNodes(ctx).map((node) => node.endpoint);
  dropKafkajsTimerWarning();
  const admin = new Kafka({ clientId: 'evp-stack-in-sync', brokers: endpoints, logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
  let lagging: string[] = [];
  try {
    const result = await waitUntil(
      async () => {
        await admin.connect();
        const { topics } = await admin.fetchTopicMetadata();
        lagging = topics.flatMap((topic) =>
          topic.partitions
            .filter((partition) => partition.replicas.includes(nodeId) && !partition.isr.includes(nodeId))
            .map((partition) => `${topic.name}-${partition.partitionId}`),
        );
        return lagging.length === 0;
      },
      { timeoutMs: ctx.config.stack.readyTimeoutMs, intervalMs: 500 },
    );
    if (!result.ok) {
      const behind = lagging.length > 10 ? `${lagging.slice(0, 10).join(', ')} and ${lagging.length - 10} more` : lagging.join(', ');
      throw new StackError(
        stackErrorCodes.notReady,
        `Kafka node ${nodeId} did not rejoin the in-sync replicas${behind ? ` of ${behind}` : ''}: ${result.reason}. ` +
          `Read ${kafkaNodePaths(ctx.paths, ctx.config.stack.kafkaNodes, nodeId).log}.`,
        { retriable: true, cause: result.lastError },
      );
    }
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * Starts the given nodes of the configured cluster (none of them running) at once, and waits until
 * each answers and the cluster lists all its brokers. Callers hold the stack lock.
 */
export async function launchKafkaNodes(ctx: ServiceContext, nodeIds: readonly number[]): Promise<KafkaNode[]> {
  const { config, logger } = ctx;
  const all = kafkaNodes(ctx);
  const nodes = all.filter((node) => nodeIds.includes(node.nodeId));
  for (const node of nodes) await checkPortsFree(node, all.length > 1);

  const release = kafkaReleaseOf(ctx);
  for (const node of nodes) checkReleaseMarker(kafkaNodePaths(ctx.paths, all.length, node.nodeId), release.version);
  const java = await findJava({ homes: [config.stack.javaHome], minMajor: javaRequirements.kafka, purpose: `Kafka ${release.version}` });
  const libs = await fetchKafka(ctx);
  const clusterId = all.length > 1 ? readClusterId(ctx, all) : undefined;
  const secured = await ensureLocalSecurity(ctx.paths.kafkaSecureDir);
  const logging = kafkaLogging(release.spec);
  const jvm = (files: KafkaNodePaths) => [logging.jvmOption(files.log4j), '-cp', path.join(libs, '*')];

  // Every node is configured (and formatted, if new) before any starts: a failure starts nothing.
  const prepared = await Promise.all(
    nodes.map(async (node) => {
      const files = kafkaNodePaths(ctx.paths, all.length, node.nodeId);
      fs.mkdirSync(files.data, { recursive: true });
      fs.writeFileSync(files.properties, renderServerProperties({ nodeId: node.nodeId, nodes: all, dataDir: files.data, secured }), {
        mode: 0o600,
      });
      fs.writeFileSync(files.log4j, logging.render(files.log));
      if (!fs.existsSync(path.join(files.data, 'meta.properties'))) {
        await formatStorage(ctx, java.bin, jvm(files), files, clusterId ?? createClusterId(), secured);
        writeReleaseMarker(files, release.version);
      }
      return { node, files };
    }),
  );
  const started = prepared.map(({ node, files }) => {
    const record = startDaemon({
      command: java.bin,
      args: [
        `-Xmx${config.stack.kafkaHeap}`,
        '-Xms128m',
        '-XX:+UseG1GC',
        '-Djava.awt.headless=true',
        ...jvm(files),
        'kafka.Kafka',
        files.properties,
      ],
      logFile: files.out,
      pidFile: files.pid,
      marker: files.properties,
      meta: { nodeId: String(node.nodeId), nodes: String(all.length), release: release.version },
    });
    logger.info({ pid: record.pid, endpoint: node.endpoint, nodeId: node.nodeId }, 'kafka starting');
    return { node, files, pid: record.pid };
  });
  const label = (nodeId: number) => (all.length > 1 ? `Kafka node ${nodeId}` : 'Kafka');
  await Promise.all(
    started.map(({ node, files, pid }) =>
      waitKafka(
        ctx,
        [node.endpoint],
        files.log,
        label(node.nodeId),
        exitedReason(pid, files.pid, [{ file: files.out }, { file: files.log, matching: kafkaProblem }], label(node.nodeId)),
      ),
    ),
  );
  if (all.length > 1) {
    await waitKafkaCluster(
      ctx,
      all.map((node) => node.endpoint),
      all.map((node) => node.logFile),
    );
  }
  return kafkaNodes(ctx);
}

async function checkPortsFree(node: KafkaNode, clustered: boolean): Promise<void> {
  const shift = (variable: string) =>
    node.nodeId === 1 ? variable : `${variable} (node ${node.nodeId} takes it + ${2 * (node.nodeId - 1)})`;
  if (await isPortOpen('127.0.0.1', node.port)) {
    throw portTaken(clustered ? `Kafka node ${node.nodeId}` : 'Kafka', node.port, shift('EVP_KAFKA_PORT'));
  }
  const secured: readonly (readonly [string, number])[] = [
    ['SASL_SSL', node.secured.saslSsl],
    ['SSL', node.secured.ssl],
    ['SASL_PLAINTEXT', node.secured.saslPlaintext],
  ];
  for (const [index, [listener, port]] of secured.entries()) {
    if (await isPortOpen('127.0.0.1', port)) {
      const offset = index + 3 * (node.nodeId - 1);
      throw portTaken(
        `${clustered ? `Kafka node ${node.nodeId}` : 'Kafka'} (its ${listener} listener)`,
        port,
        offset === 0 ? 'EVP_KAFKA_SECURE_PORT' : `EVP_KAFKA_SECURE_PORT (this listener takes it + ${offset})`,
      );
    }
  }
  if (await isPortOpen('127.0.0.1', node.controllerPort)) {
    throw portTaken(
      clustered ? `the KRaft controller of Kafka node ${node.nodeId}` : 'Kafka (KRaft controller)',
      node.controllerPort,
      shift('EVP_KAFKA_CONTROLLER_PORT'),
    );
  }
}

/**
 * The id every node of the cluster is formatted with: kept in `kafka-cluster/cluster-id`, created
 * with the cluster. A node formatted for another id would never join, so that is an error.
 */
function readClusterId(ctx: ServiceContext, nodes: readonly KafkaNode[]): string {
  const file = kafkaClusterIdFile(ctx.paths);
  const formatted = nodes.flatMap((node) => {
    const meta = path.join(kafkaNodePaths(ctx.paths, nodes.length, node.nodeId).data, 'meta.properties');
    const id = fs.existsSync(meta) ? parseMetaClusterId(fs.readFileSync(meta, 'utf8')) : undefined;
    return id ? [{ node, meta, id }] : [];
  });
  let clusterId = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : (formatted[0]?.id ?? createClusterId());
  if (clusterId === '') clusterId = formatted[0]?.id ?? createClusterId();
  const stranger = formatted.find((entry) => entry.id !== clusterId);
  if (stranger) {
    throw new StackError(
      stackErrorCodes.startFailed,
      `Kafka node ${stranger.node.nodeId} was formatted for cluster ${stranger.id}, not ${clusterId} (${file}), so it could never join. ` +
        `Remove ${path.dirname(stranger.meta)} to let it start empty and copy the data back from the other nodes.`,
    );
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${clusterId}\n`);
  return clusterId;
}

async function formatStorage(
  ctx: ServiceContext,
  java: string,
  jvm: readonly string[],
  files: KafkaNodePaths,
  clusterId: string,
  secured: LocalSecurity,
): Promise<void> {
  ctx.logger.info({ dataDir: files.data }, 'formatting kafka storage');
  // The secured listeners' SCRAM user lives in the cluster's metadata: it is written with the storage.
  const scram = ['SCRAM-SHA-256', 'SCRAM-SHA-512'].flatMap((mechanism) => [
    '--add-scram',
    `${mechanism}=[name=${secured.username},password=${secured.password}]`,
  ]);
  // A one-second tool, three at once on two cores when a cluster is new: the quick compiler and
  // the serial collector cost less CPU than the server defaults.
  const quick = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC'];
  await run(
    java,
    [...quick, ...jvm, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', files.properties, '--ignore-formatted', ...scram],
    {
      timeout: 60_000,
    },
  ).catch((error: unknown) => {
    const output = error as { stderr?: string; stdout?: string; message?: string };
    const said = `${output.stderr ?? ''}\n${output.stdout ?? ''}`.trim().split('\n').slice(-5).join('\n  ') || output.message;
    throw new StackError(
      stackErrorCodes.startFailed,
      `Formatting Kafka storage in ${files.data} failed; read ${files.log}. The storage tool said:\n  ${said}`,
      { cause: error },
    );
  });
}

async function fetchKafka(ctx: ServiceContext): Promise<string> {
  const { version, spec } = kafkaReleaseOf(ctx);
  const fetched = await fetchOnce(ctx.paths.kafkaHome, async (into) => {
    await requireMaven();
    ctx.logger.info({ version, into: ctx.paths.kafkaHome }, 'fetching kafka jars with maven (first run only)');
    await runMaven(path.join(mavenDir(), spec.pom), path.join(into, mavenWork), {
      'kafka.version': version,
      ...spec.pomVersions,
      'stack.libs': path.join(into, 'libs'),
    });
  });
  if (fetched) ctx.logger.info({ version }, 'kafka jars fetched');
  return path.join(ctx.paths.kafkaHome, 'libs');
}

export function portTaken(service: string, port: number, variable: string): StackError {
  return new StackError(
    stackErrorCodes.portTaken,
    `Port ${port} on 127.0.0.1 is taken by a process that does not answer as ${service}. ` +
      `Stop that process (ss -ltnp 'sport = :${port}' shows it) or choose another port with ${variable}.`,
  );
}
