import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { StackError, stackErrorCodes } from '../adapters/errors.js';
import { readDaemon, startDaemon, stopDaemon } from './daemon.js';
import { createClusterId, renderLog4jProperties, renderServerProperties } from './kafka-config.js';
import { isPortOpen } from './net.js';
import { localKafkaBroker } from '../adapters/endpoints.js';
import { mavenDir } from './paths.js';
import { exitedReason, waitReady } from './ready.js';
import type { ServiceContext, ServiceStatus } from './service.js';
import { fetchOnce, findJava, mavenWork, requireMaven, runMaven } from './tools.js';
import { javaRequirements, versions } from './versions.js';

const run = promisify(execFile);

/** Lines of Kafka's server.log that say why it stopped. */
const kafkaProblem = /\b(ERROR|FATAL)\b|Exception|Error:/;

/** True when the brokers answer a metadata request (kafkajs admin describeCluster). */
export async function probeKafka(brokers: readonly string[], timeoutMs = 3000): Promise<boolean> {
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
    return cluster.brokers.length > 0;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export async function kafkaStatus(ctx: ServiceContext): Promise<ServiceStatus> {
  const given = ctx.config.kafkaBrokers;
  if (given) {
    return { name: 'kafka', endpoint: given.join(','), origin: 'env', state: (await probeKafka(given)) ? 'up' : 'down' };
  }
  const endpoint = localKafkaBroker(ctx.config.stack);
  const record = readDaemon(ctx.paths.kafkaPid);
  const up = await probeKafka([endpoint]);
  if (record) return { name: 'kafka', endpoint, origin: 'stack', state: up ? 'up' : 'down', pid: record.pid, logFile: ctx.paths.kafkaLog };
  return { name: 'kafka', endpoint, origin: up ? 'external' : 'stack', state: up ? 'up' : 'down' };
}

export async function kafkaUp(ctx: ServiceContext): Promise<ServiceStatus> {
  const { config, paths, logger } = ctx;
  const given = config.kafkaBrokers;
  if (given) {
    await waitKafka(ctx, given, `KAFKA_BROKERS=${given.join(',')}`);
    return { name: 'kafka', endpoint: given.join(','), origin: 'env', state: 'up' };
  }
  const endpoint = localKafkaBroker(ctx.config.stack);
  const running = readDaemon(paths.kafkaPid);
  if (running) {
    await waitKafka(ctx, [endpoint], paths.kafkaLog);
    return { name: 'kafka', endpoint, origin: 'stack', state: 'up', pid: running.pid, logFile: paths.kafkaLog, started: false };
  }
  if (await isPortOpen('127.0.0.1', config.stack.kafkaPort)) {
    if (await probeKafka([endpoint])) {
      logger.info({ endpoint }, 'kafka already answers on its port; reusing it');
      return { name: 'kafka', endpoint, origin: 'external', state: 'up', started: false };
    }
    throw portTaken('Kafka', config.stack.kafkaPort, 'EVP_KAFKA_PORT');
  }
  if (await isPortOpen('127.0.0.1', config.stack.kafkaControllerPort)) {
    throw portTaken('Kafka (KRaft controller)', config.stack.kafkaControllerPort, 'EVP_KAFKA_CONTROLLER_PORT');
  }

  const java = await findJava({ homes: [config.stack.javaHome], minMajor: javaRequirements.kafka, purpose: `Kafka ${versions.kafka}` });
  const libs = await fetchKafka(ctx);
  fs.mkdirSync(paths.kafkaData, { recursive: true });
  fs.writeFileSync(
    paths.kafkaProperties,
    renderServerProperties({ port: config.stack.kafkaPort, controllerPort: config.stack.kafkaControllerPort, dataDir: paths.kafkaData }),
  );
  fs.writeFileSync(paths.kafkaLog4j, renderLog4jProperties(paths.kafkaLog));
  const jvm = [`-Dlog4j.configuration=file:${paths.kafkaLog4j}`, '-cp', path.join(libs, '*')];
  if (!fs.existsSync(path.join(paths.kafkaData, 'meta.properties'))) {
    logger.info({ dataDir: paths.kafkaData }, 'formatting kafka storage');
    await run(
      java.bin,
      [...jvm, 'kafka.tools.StorageTool', 'format', '-t', createClusterId(), '-c', paths.kafkaProperties, '--ignore-formatted'],
      {
        timeout: 60_000,
      },
    ).catch((error: unknown) => {
      const output = error as { stderr?: string; stdout?: string; message?: string };
      const said = `${output.stderr ?? ''}\n${output.stdout ?? ''}`.trim().split('\n').slice(-5).join('\n  ') || output.message;
      throw new StackError(
        stackErrorCodes.startFailed,
        `Formatting Kafka storage in ${paths.kafkaData} failed; read ${paths.kafkaLog}. The storage tool said:\n  ${said}`,
        { cause: error },
      );
    });
  }
  const record = startDaemon({
    command: java.bin,
    args: [
      `-Xmx${config.stack.kafkaHeap}`,
      '-Xms128m',
      '-XX:+UseG1GC',
      '-Djava.awt.headless=true',
      ...jvm,
      'kafka.Kafka',
      paths.kafkaProperties,
    ],
    logFile: paths.kafkaOut,
    pidFile: paths.kafkaPid,
    marker: paths.kafkaProperties,
  });
  logger.info({ pid: record.pid, endpoint }, 'kafka starting');
  await waitKafka(
    ctx,
    [endpoint],
    paths.kafkaLog,
    exitedReason(record.pid, paths.kafkaPid, [{ file: paths.kafkaOut }, { file: paths.kafkaLog, matching: kafkaProblem }], 'Kafka'),
  );
  return { name: 'kafka', endpoint, origin: 'stack', state: 'up', pid: record.pid, logFile: paths.kafkaLog, started: true };
}

export async function kafkaDown(ctx: ServiceContext): Promise<boolean> {
  // A controlled shutdown moves nothing on a single node; 20 s is plenty, then SIGKILL.
  return stopDaemon(ctx.paths.kafkaPid, 'SIGTERM', 20_000);
}

async function fetchKafka(ctx: ServiceContext): Promise<string> {
  const fetched = await fetchOnce(ctx.paths.kafkaHome, async (into) => {
    await requireMaven();
    ctx.logger.info({ version: versions.kafka, into: ctx.paths.kafkaHome }, 'fetching kafka jars with maven (first run only)');
    await runMaven(path.join(mavenDir(), 'kafka.pom.xml'), path.join(into, mavenWork), {
      'kafka.version': versions.kafka,
      'slf4j.version': versions.slf4j,
      'reload4j.version': versions.reload4j,
      'stack.libs': path.join(into, 'libs'),
    });
  });
  if (fetched) ctx.logger.info({ version: versions.kafka }, 'kafka jars fetched');
  return path.join(ctx.paths.kafkaHome, 'libs');
}

function waitKafka(
  ctx: ServiceContext,
  brokers: readonly string[],
  readLog: string,
  abortReason?: () => string | undefined,
): Promise<void> {
  return waitReady(() => probeKafka(brokers), {
    timeoutMs: ctx.config.stack.readyTimeoutMs,
    intervalMs: 300,
    failure: `Kafka at ${brokers.join(',')} did not answer a metadata request (kafkajs admin describeCluster)`,
    readLog,
    ...(abortReason ? { abortReason } : {}),
  });
}

export function portTaken(service: string, port: number, variable: string): StackError {
  return new StackError(
    stackErrorCodes.portTaken,
    `Port ${port} on 127.0.0.1 is taken by a process that does not answer as ${service}. ` +
      `Stop that process (ss -ltnp 'sport = :${port}' shows it) or choose another port with ${variable}.`,
  );
}
