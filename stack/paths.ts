import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StackConfig } from '../adapters/config.js';
import { versions } from './versions.js';

/** Where the committed Maven poms live: stack/maven, found from the compiled or source file. */
export function mavenDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  // Compiled code runs from dist/stack; the poms stay in the source tree's stack/maven.
  const root = path.basename(path.dirname(here)) === 'dist' ? path.resolve(here, '..', '..') : path.resolve(here, '..');
  return path.join(root, 'stack', 'maven');
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
