import fs from 'node:fs';
import path from 'node:path';
import { localRegistryUrl } from '../adapters/endpoints.js';
import { redactUrl } from '../core/redact-url.js';
import { readDaemon, startDaemon, stopDaemon } from './daemon.js';
import { portTaken } from './kafka.js';
import { isPortOpen } from './net.js';
import { mavenDir } from './paths.js';
import { ensureDatabase, toJdbc } from './postgres.js';
import { exitedReason, waitReady } from './ready.js';
import type { ServiceContext, ServiceStatus } from './service.js';
import { fetchOnce, findJava, mavenWork, requireMaven, runMaven } from './tools.js';
import { javaRequirements, versions } from './versions.js';

/**
 * `memory`: Apicurio's default in-memory H2 database, empty at every start (tests).
 * `sql`: a PostgreSQL database (`apicurio_registry` beside the pipeline's), so schemas and their
 * ids survive a restart (`npm start`).
 */
export type RegistryStorage = 'memory' | 'sql';

/** The database Apicurio keeps its schemas in when storage is `sql`. */
export const registryDatabase = 'apicurio_registry';
/** The compatibility rule every subject gets unless it sets its own. */
export const defaultCompatibility = 'BACKWARD';

/** True when `GET <base>/subjects` answers 200 (the Confluent-compatible API is serving). */
export async function probeRegistry(baseUrl: string, timeoutMs = 3000): Promise<boolean> {
  try {
    const response = await fetch(`${baseUrl}/subjects`, { signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

export async function registryStatus(ctx: ServiceContext): Promise<ServiceStatus> {
  const given = ctx.config.schemaRegistryUrl;
  if (given) return { name: 'registry', endpoint: given, origin: 'env', state: (await probeRegistry(given)) ? 'up' : 'down' };
  const endpoint = localRegistryUrl(ctx.config.stack);
  const record = readDaemon(ctx.paths.registryPid);
  const up = await probeRegistry(endpoint);
  if (record) {
    return {
      name: 'registry',
      endpoint,
      origin: 'stack',
      state: up ? 'up' : 'down',
      pid: record.pid,
      logFile: ctx.paths.registryOut,
      details: record.meta,
    };
  }
  return { name: 'registry', endpoint, origin: up ? 'external' : 'stack', state: up ? 'up' : 'down' };
}

export interface RegistryUpOptions {
  storage: RegistryStorage;
  /** The PostgreSQL server for `sql` storage. */
  postgresUrl: string;
}

export async function registryUp(ctx: ServiceContext, options: RegistryUpOptions): Promise<ServiceStatus> {
  const { config, paths, logger } = ctx;
  const given = config.schemaRegistryUrl;
  if (given) {
    await waitRegistry(ctx, given, `SCHEMA_REGISTRY_URL=${redactUrl(given)}`);
    return { name: 'registry', endpoint: given, origin: 'env', state: 'up' };
  }
  const endpoint = localRegistryUrl(ctx.config.stack);
  const running = readDaemon(paths.registryPid);
  if (running && !(options.storage === 'sql' && running.meta['storage'] !== 'sql')) {
    await waitRegistry(ctx, endpoint, paths.registryOut);
    return {
      name: 'registry',
      endpoint,
      origin: 'stack',
      state: 'up',
      pid: running.pid,
      logFile: paths.registryOut,
      started: false,
      details: running.meta,
    };
  }
  if (running) {
    // Asked for durable storage while an in-memory registry runs: restart it on PostgreSQL.
    logger.info({ pid: running.pid }, 'restarting the schema registry with sql storage');
    await registryDown(ctx);
  }
  for (const [port, variable] of [
    [config.stack.registryPort, 'EVP_REGISTRY_PORT'],
    [config.stack.registryManagementPort, 'EVP_REGISTRY_MANAGEMENT_PORT'],
  ] as const) {
    if (!(await isPortOpen('127.0.0.1', port))) continue;
    if (port === config.stack.registryPort && (await probeRegistry(endpoint))) {
      logger.info({ endpoint }, 'a schema registry already answers on its port; reusing it');
      return { name: 'registry', endpoint, origin: 'external', state: 'up', started: false };
    }
    throw portTaken('Apicurio Registry', port, variable);
  }

  const java = await findJava({
    homes: [config.stack.registryJavaHome, config.stack.javaHome],
    minMajor: javaRequirements.registry,
    purpose: `Apicurio Registry ${versions.apicurio}`,
  });
  const app = await fetchRegistry(ctx);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    QUARKUS_HTTP_HOST: '127.0.0.1',
    QUARKUS_HTTP_PORT: String(config.stack.registryPort),
    QUARKUS_MANAGEMENT_HOST: '127.0.0.1',
    QUARKUS_MANAGEMENT_PORT: String(config.stack.registryManagementPort),
  };
  if (options.storage === 'sql') {
    const jdbc = toJdbc(await ensureDatabase(options.postgresUrl, registryDatabase));
    Object.assign(env, {
      APICURIO_STORAGE_KIND: 'sql',
      APICURIO_STORAGE_SQL_KIND: 'postgresql',
      APICURIO_DATASOURCE_URL: jdbc.url,
      APICURIO_DATASOURCE_USERNAME: jdbc.username,
      APICURIO_DATASOURCE_PASSWORD: jdbc.password,
      // Apicurio opens 20..100 connections by default; PostgreSQL allows 100 in all.
      APICURIO_DATASOURCE_JDBC_INITIAL_SIZE: '2',
      APICURIO_DATASOURCE_JDBC_MIN_SIZE: '2',
      APICURIO_DATASOURCE_JDBC_MAX_SIZE: '10',
    });
  }
  fs.mkdirSync(paths.registryDir, { recursive: true });
  const marker = `-Devp.stack.registry=${paths.registryDir}`;
  const record = startDaemon({
    command: java.bin,
    args: [
      `-Xmx${config.stack.registryHeap}`,
      '-Xms128m',
      marker,
      // Without a global rule Apicurio answers NONE where Confluent answers 404, and
      // @kafkajs/confluent-schema-registry's register() then throws for an existing subject.
      `-Dapicurio.rules.global.compatibility=${defaultCompatibility}`,
      `-Djava.io.tmpdir=${paths.registryDir}`,
      '-jar',
      path.join(app, 'quarkus-run.jar'),
    ],
    env,
    cwd: paths.registryDir,
    logFile: paths.registryOut,
    pidFile: paths.registryPid,
    marker,
    meta: { storage: options.storage, java: String(java.major) },
  });
  logger.info({ pid: record.pid, endpoint, storage: options.storage }, 'schema registry starting');
  await waitRegistry(
    ctx,
    endpoint,
    paths.registryOut,
    exitedReason(record.pid, paths.registryPid, [{ file: paths.registryOut }], 'registry'),
  );
  return {
    name: 'registry',
    endpoint,
    origin: 'stack',
    state: 'up',
    pid: record.pid,
    logFile: paths.registryOut,
    started: true,
    details: record.meta,
  };
}

export async function registryDown(ctx: ServiceContext): Promise<boolean> {
  return stopDaemon(ctx.paths.registryPid, 'SIGTERM', 20_000);
}

async function fetchRegistry(ctx: ServiceContext): Promise<string> {
  const fetched = await fetchOnce(ctx.paths.registryApp, async (into) => {
    await requireMaven();
    ctx.logger.info({ version: versions.apicurio, into: ctx.paths.registryApp }, 'fetching apicurio registry with maven (first run only)');
    await runMaven(path.join(mavenDir(), 'apicurio.pom.xml'), path.join(into, mavenWork), {
      'apicurio.version': versions.apicurio,
      'stack.dir': into,
    });
  });
  if (fetched) ctx.logger.info({ version: versions.apicurio }, 'apicurio registry fetched');
  return ctx.paths.registryApp;
}

function waitRegistry(ctx: ServiceContext, baseUrl: string, readLog: string, abortReason?: () => string | undefined): Promise<void> {
  return waitReady(() => probeRegistry(baseUrl), {
    timeoutMs: ctx.config.stack.readyTimeoutMs,
    intervalMs: 300,
    failure: `The schema registry did not answer GET ${redactUrl(baseUrl)}/subjects`,
    readLog,
    ...(abortReason ? { abortReason } : {}),
  });
}
