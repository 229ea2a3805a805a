/**
 * `npm run test:kafka4` (`tsx scripts/test-kafka-version.ts [release] [test file…]`, 4.4.0 by
 * default): runs the integration tests that exercise the broker (`kafkaReleaseSuite`, or the files
 * named) against a Kafka of that release of its own, then stops it. That Kafka is the local stack's, with EVP_KAFKA_VERSION set, on free
 * ports (its secured listeners too) and with a data dir of its own, so a stack already running on
 * 9092 is neither used nor touched. The registry and PostgreSQL are reused when they answer on
 * their ports, else started for the run and stopped after it.
 *
 * The tests reach this Kafka through the EVP_* settings, not KAFKA_BROKERS: the test setup's
 * `stack up` then finds the node by its pid file in that data dir and hands the tests its secured
 * listeners as well, which a Kafka given by KAFKA_BROKERS does not have.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../adapters/config.js';
import { createLogger } from '../adapters/logger.js';
import { projectRoot } from '../adapters/project-root.js';
import { stackDown, stackUp, type StackUp } from '../stack/index.js';
import { freePortRun } from '../test/harness/ports.js';

/** The test files run against each release: what the pipeline asks of a broker, one file per concern. */
const kafkaReleaseSuite = [
  // every admin call the project makes, idempotent produce, transactions
  'test/stack/kafka-release.int.test.ts',
  // produce and consume with keys and headers; `stack up` reusing the running node
  'test/stack/kafka.int.test.ts',
  'test/stack/stack.int.test.ts',
  // publish: topics and their retention, the publisher SDK
  'test/producers/ensure-topics.int.test.ts',
  'test/producers/publisher.int.test.ts',
  // materialize and stream: consumer groups, offsets, webhooks, a Kafka destination
  'test/consumers/materializer.int.test.ts',
  'test/consumers/streamer/webhooks.int.test.ts',
  'test/destinations/kafka/sender.int.test.ts',
  // the secured listeners: SASL_SSL, SSL with client certificates, SASL_PLAINTEXT
  'test/security/kafka-secured.int.test.ts',
  // a three-node cluster of the release, on ports of its own: the quorum, three replicas, a killed node
  'test/stack/kafka-cluster.int.test.ts',
] as const;

const root = projectRoot();
const release = process.argv[2] ?? '4.4.0';
const named = process.argv.slice(3);
const files: readonly string[] = named.length > 0 ? named : kafkaReleaseSuite;
const logger = createLogger('info', { service: 'test-kafka-version' });

/** The stack's environment for a Kafka of `release` on ports from `base`: client, controller, three secured. */
function stackEnv(dataDir: string, base: number): NodeJS.ProcessEnv {
  // A KAFKA_BROKERS of the caller's would send every test to that Kafka instead.
  const { KAFKA_BROKERS: _given, ...env } = process.env;
  return {
    ...env,
    EVP_DATA_DIR: dataDir,
    EVP_KAFKA_VERSION: release,
    EVP_KAFKA_NODES: '1',
    EVP_KAFKA_PORT: String(base),
    EVP_KAFKA_CONTROLLER_PORT: String(base + 1),
    EVP_KAFKA_SECURE_PORT: String(base + 2),
  };
}

/** Starts the stack on ports free a moment ago; another process may take one first, so it tries again on others. */
async function startStack(dataDir: string): Promise<{ env: NodeJS.ProcessEnv; up: StackUp }> {
  for (let tries = 1; ; tries++) {
    const env = stackEnv(dataDir, await freePortRun(5));
    const config = loadConfig(env);
    try {
      return { env, up: await stackUp(config, logger) };
    } catch (error) {
      // The data dir is this run's: whatever the stack started in it is ours to stop.
      await stackDown(config, logger);
      if (tries === 3 || (error as { code?: string }).code !== 'EVP_STACK_PORT_TAKEN') throw error;
      logger.warn({ err: error }, 'a port of the test Kafka was taken meanwhile; trying others');
    }
  }
}

function runVitest(env: NodeJS.ProcessEnv): Promise<number> {
  const vitest = path.join(root, 'node_modules', 'vitest', 'vitest.mjs');
  const child = spawn(process.execPath, [vitest, 'run', '--project', 'integration', ...files], {
    cwd: root,
    env,
    stdio: 'inherit',
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

async function main(): Promise<number> {
  const missing = files.filter((file) => !fs.existsSync(path.join(root, file)));
  if (missing.length > 0) throw new Error(`no such test file: ${missing.join(', ')}`);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `evp-kafka-${release}-`));
  const started = Date.now();
  try {
    const { env, up } = await startStack(dataDir);
    const config = loadConfig(env);
    const kafka = up.services.find((service) => service.name === 'kafka');
    const upSeconds = ((Date.now() - started) / 1000).toFixed(1);
    logger.info({ endpoint: kafka?.endpoint, version: kafka?.details?.['version'], seconds: upSeconds }, 'test kafka up');
    try {
      const suiteStarted = Date.now();
      const code = await runVitest(env);
      const suiteSeconds = ((Date.now() - suiteStarted) / 1000).toFixed(1);
      process.stdout.write(`\nKafka ${release}: up in ${upSeconds} s, ${files.length} test files in ${suiteSeconds} s\n`);
      return code;
    } finally {
      await stackDown(config, logger);
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
