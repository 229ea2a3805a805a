import path from 'node:path';
import type { StackConfig } from '../adapters/config.js';
import { projectRoot } from '../adapters/project-root.js';
import { kafkaReleaseSpecs, versions } from './versions.js';

/** Where the committed Maven poms live (also when running from dist/). */
export function mavenDir(): string {
  return path.join(projectRoot(), 'stack', 'maven');
}

export interface StackPaths {
  readonly lockFile: string;
  readonly kafkaHome: string;
  readonly kafkaDir: string;
  readonly kafkaData: string;
  readonly kafkaProperties: string;
  /** The logging configuration: log4j.properties (log4j 1, Kafka 3) or log4j2.properties (Kafka 4). */
  readonly kafkaLog4j: string;
  readonly kafkaLog: string;
  readonly kafkaOut: string;
  readonly kafkaPid: string;
  /** The nodes of a three-node cluster live below this, one folder each (`node-1` …). */
  readonly kafkaClusterDir: string;
  /** The secured listeners' CA, certificates and user, shared by every node (stack/kafka-secure.ts). */
  readonly kafkaSecureDir: string;
  readonly registryApp: string;
  readonly registryDir: string;
  readonly registryOut: string;
  readonly registryPid: string;
  readonly postgresDir: string;
  readonly postgresData: string;
  readonly postgresOut: string;
  readonly postgresPid: string;
}

/**
 * Kafka 3 keeps the folders it always had (`<data>/kafka`, `<data>/kafka-cluster`); Kafka 4 has its
 * own (`<data>/kafka-4`, `<data>/kafka-4-cluster`), so switching EVP_KAFKA_VERSION never hands one
 * release's log directory to the other, and each keeps its topics. The jars are cached per release.
 */
export function stackPaths(stack: StackConfig): StackPaths {
  const data = stack.dataDir;
  const release = kafkaReleaseSpecs[stack.kafkaVersion];
  const kafkaFolder = release.line === 3 ? 'kafka' : `kafka-${release.line}`;
  const kafkaDir = path.join(data, kafkaFolder);
  const registryDir = path.join(data, 'registry');
  const postgresDir = path.join(data, 'postgres');
  return {
    lockFile: path.join(data, 'stack.lock'),
    kafkaHome: path.join(stack.cacheDir, `kafka-${stack.kafkaVersion}`),
    kafkaDir,
    kafkaData: path.join(kafkaDir, 'data'),
    kafkaProperties: path.join(kafkaDir, 'server.properties'),
    kafkaLog4j: path.join(kafkaDir, release.logging === 'log4j2' ? 'log4j2.properties' : 'log4j.properties'),
    kafkaLog: path.join(kafkaDir, 'server.log'),
    kafkaOut: path.join(kafkaDir, 'stdout.log'),
    kafkaPid: path.join(kafkaDir, 'kafka.pid'),
    kafkaClusterDir: path.join(data, `${kafkaFolder}-cluster`),
    kafkaSecureDir: path.join(data, 'kafka-secure'),
    registryApp: path.join(stack.cacheDir, `apicurio-registry-${versions.apicurio}`),
    registryDir,
    registryOut: path.join(registryDir, 'registry.log'),
    registryPid: path.join(registryDir, 'registry.pid'),
    postgresDir,
    postgresData: path.join(postgresDir, 'data'),
    postgresOut: path.join(postgresDir, 'postgres.log'),
    postgresPid: path.join(postgresDir, 'postgres.pid'),
  };
}

/** One Kafka node's files: its own folder with its data, properties, logs and pid file. */
export interface KafkaNodePaths {
  readonly dir: string;
  readonly data: string;
  readonly properties: string;
  readonly log4j: string;
  readonly log: string;
  readonly out: string;
  readonly pid: string;
}

/**
 * A single node keeps the folder it always had (`<data>/kafka`, `<data>/kafka-4`); the nodes of a
 * cluster live in `<data>/kafka-cluster/node-<id>` (`<data>/kafka-4-cluster/node-<id>`), so the
 * two shapes never share a log directory: each keeps its own topics, and switching between them
 * (after `stack down`) reformats nothing.
 */
export function kafkaNodePaths(paths: StackPaths, nodes: number, nodeId: number): KafkaNodePaths {
  if (nodes === 1) {
    return {
      dir: paths.kafkaDir,
      data: paths.kafkaData,
      properties: paths.kafkaProperties,
      log4j: paths.kafkaLog4j,
      log: paths.kafkaLog,
      out: paths.kafkaOut,
      pid: paths.kafkaPid,
    };
  }
  const dir = path.join(paths.kafkaClusterDir, `node-${nodeId}`);
  return {
    dir,
    data: path.join(dir, 'data'),
    properties: path.join(dir, 'server.properties'),
    log4j: path.join(dir, path.basename(paths.kafkaLog4j)),
    log: path.join(dir, 'server.log'),
    out: path.join(dir, 'stdout.log'),
    pid: path.join(dir, 'kafka.pid'),
  };
}

/** The cluster id every node of the three-node cluster is formatted with. */
export function kafkaClusterIdFile(paths: StackPaths): string {
  return path.join(paths.kafkaClusterDir, 'cluster-id');
}
