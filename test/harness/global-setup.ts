import type { TestProject } from 'vitest/node';
import { loadConfig } from '../../adapters/config.js';
import { createLogger } from '../../adapters/logger.js';
import { stackDown, stackUp, type StackEndpoints } from '../../stack/index.js';
import { findJava } from '../../stack/tools.js';
import { javaRequirements } from '../../stack/versions.js';
import { dockerAnswers, startContainers } from './containers.js';

declare module 'vitest' {
  export interface ProvidedContext {
    stack: StackEndpoints;
  }
}

/**
 * Brings the real stack up once per test run (or reuses a running one) and hands the endpoints
 * to every test file. It stops only what it started, so a stack a developer keeps running stays.
 * Where there is no Java but a Docker engine answers, the same services run in containers.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const config = loadConfig();
  const logger = createLogger(process.env['LOG_LEVEL'] === undefined ? 'warn' : config.logLevel, { service: 'test-stack' });

  const hasJava = await findJava({ homes: [config.stack.javaHome], minMajor: javaRequirements.kafka, purpose: 'Kafka' }).then(
    () => true,
    () => false,
  );
  if (!hasJava && !config.kafkaBrokers && (await dockerAnswers())) {
    const containers = await startContainers();
    project.provide('stack', containers.endpoints);
    return containers.stop;
  }

  const up = await stackUp(config, logger, { registryStorage: 'memory' });
  project.provide('stack', up.endpoints);
  return async () => {
    if (up.started.length > 0) await stackDown(config, logger, { only: up.started });
  };
}
