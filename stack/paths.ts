import path from 'node:path';
import type { StackConfig } from '../adapters/config.js';
import { projectRoot } from '../adapters/project-root.js';
import { versions } from './versions.js';

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
  readonly kafkaLog4j: string;
  readonly kafkaLog: string;
  readonly kafkaOut: string;
  readonly kafkaPid: string;
  readonly registryApp: string;
  readonly registryDir: string;
  readonly registryOut: string;
  readonly registryPid: string;
  readonly postgresDir: string;
  readonly postgresData: string;
  readonly postgresOut: string;
  readonly postgresPid: string;
}

export function stackPaths(stack: StackConfig): StackPaths {
  const data = stack.dataDir;
  const kafkaDir = path.join(data, 'kafka');
  const registryDir = path.join(data, 'registry');
  const postgresDir = path.join(data, 'postgres');
  return {
    lockFile: path.join(data, 'stack.lock'),
    kafkaHome: path.join(stack.cacheDir, `kafka-${versions.kafka}`),
    kafkaDir,
    kafkaData: path.join(kafkaDir, 'data'),
    kafkaProperties: path.join(kafkaDir, 'server.properties'),
    kafkaLog4j: path.join(kafkaDir, 'log4j.properties'),
    kafkaLog: path.join(kafkaDir, 'server.log'),
    kafkaOut: path.join(kafkaDir, 'stdout.log'),
    kafkaPid: path.join(kafkaDir, 'kafka.pid'),
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
