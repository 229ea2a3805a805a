import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import type { TestProject } from 'vitest/node';
import { loadConfig } from '../../adapters/config.js';
import { coerceError } from '../../adapters/errors.js';
import { createLogger } from '../../adapters/logger.js';
import { stackDown, stackUp, type StackEndpoints } from '../../stack/index.js';
import { findJava } from '../../stack/tools.js';
import { javaRequirements } from '../../stack/versions.js';
import { dockerAnswers, startContainers } from './containers.js';
import { auditLogs, describeFindings } from './log-audit.js';
import { testSecretKey } from './secrets.js';

declare module 'vitest' {
  export interface ProvidedContext {
    stack: StackEndpoints;
    /** Where every service logger of the run also writes, at debug, for the secrets audit at the end. */
    logDir: string;
  }
}

/**
 * Brings the real stack up once per test run (or reuses a running one) and hands the endpoints
 * to every test file. It stops only what it started, so a stack a developer keeps running stays.
 * Where there is no Java but a Docker engine answers, the same services run in containers.
 *
 * Every service logger the tests start also writes to a directory of this run (log-sink.ts); at
 * the end those lines are searched for secrets, and the run fails naming each file and line.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const config = loadConfig();
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'evp-test-logs-'));
  project.provide('logDir', logDir);
  const logger = createLogger(
    process.env['LOG_LEVEL'] === undefined ? 'warn' : config.logLevel,
    { service: 'test-stack' },
    {
      copyTo: { stream: pino.destination({ dest: path.join(logDir, 'global-setup.log'), sync: true }), level: 'debug' },
    },
  );

  const hasJava = await findJava({ homes: [config.stack.javaHome], minMajor: javaRequirements.kafka, purpose: 'Kafka' }).then(
    () => true,
    () => false,
  );
  let stop: () => Promise<void>;
  let endpoints: StackEndpoints;
  if (!hasJava && !config.kafkaBrokers && (await dockerAnswers())) {
    const containers = await startContainers();
    ({ endpoints, stop } = containers);
  } else {
    const up = await stackUp(config, logger, { registryStorage: 'memory' });
    endpoints = up.endpoints;
    stop = async () => {
      if (up.started.length > 0) await stackDown(config, logger, { only: up.started });
    };
  }
  project.provide('stack', endpoints);

  return async () => {
    // The audit runs even when stopping the stack fails.
    const stopped = await stop().then(
      () => undefined,
      (error: unknown) => coerceError(error),
    );
    const findings = auditLogs(logDir, [
      ['the test secret key (DESTINATION_SECRET_KEY)', testSecretKey],
      ['the database password', distinctPassword(endpoints.databaseUrl)],
      ["the local Kafka user's password", endpoints.kafkaSecured?.password ?? ''],
    ]);
    if (findings.length > 0) {
      // vitest prints a teardown error but leaves the exit status alone: fail the run ourselves.
      process.exitCode = 1;
      throw new Error(describeFindings(findings, logDir));
    }
    fs.rmSync(logDir, { recursive: true, force: true });
    if (stopped !== undefined) throw stopped;
  };
}

/**
 * The database URL's password, when it can be told apart from the rest of the URL: the local
 * server's `postgres` is also its user name and scheme, and URLs with a password are caught anyway.
 */
function distinctPassword(url: string): string {
  const parsed = new URL(url);
  const password = decodeURIComponent(parsed.password);
  parsed.password = '';
  return password !== '' && !parsed.toString().includes(password) ? password : '';
}
