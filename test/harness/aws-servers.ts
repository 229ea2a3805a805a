import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../adapters/config.js';
import { mavenDir } from '../../stack/paths.js';
import { fetchOnce, findJava, mavenWork, requireMaven, runMaven } from '../../stack/tools.js';
import { versions } from '../../stack/versions.js';
import { freePort } from './ports.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

/**
 * Local servers that speak the AWS protocols, for the S3, SQS and Kinesis destinations' tests:
 * s3rver (npm) for S3, ElasticMQ (Maven Central) for SQS, kinesalite (npm) for Kinesis. Each is
 * the test file's own, behind a TCP proxy: `stop()` cuts it as an outage would look to the
 * pipeline, `start()` lets it through again, and what the server holds survives both.
 * Production destinations write to the real AWS services.
 */
export interface LocalAwsServer {
  /** Through the proxy: what destinations are given. */
  readonly endpoint: string;
  /** Past the proxy: what a test reads arrivals from, also while the proxy is cut. */
  readonly directEndpoint: string;
  /** Credentials the server accepts (s3rver checks signatures; the others take any). */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly region: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

const require = createRequire(import.meta.url);

async function behindProxy(
  port: number,
  credentials: LocalAwsServer['credentials'],
  closeServer: () => Promise<void>,
): Promise<LocalAwsServer> {
  const proxy: TcpProxy = await startTcpProxy({ host: '127.0.0.1', port });
  return {
    endpoint: `http://127.0.0.1:${proxy.port}`,
    directEndpoint: `http://127.0.0.1:${port}`,
    credentials,
    region: 'us-east-1',
    stop: () => proxy.stop(),
    start: () => proxy.start(),
    close: async () => {
      await proxy.close();
      await closeServer();
    },
  };
}

interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}

/** s3rver over a directory of its own; it checks request signatures against S3RVER / S3RVER. */
export async function startS3Server(buckets: readonly string[]): Promise<LocalAwsServer> {
  const S3rver = require('s3rver') as new (options: Record<string, unknown>) => S3rverInstance;
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'evp-s3rver-'));
  const server = new S3rver({
    port: 0,
    address: '127.0.0.1',
    directory,
    silent: true,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  const { port } = await server.run();
  return behindProxy(port, { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }, async () => {
    await server.close();
    fs.rmSync(directory, { recursive: true, force: true });
  });
}

interface KinesaliteServer {
  listen(port: number, host: string, callback: () => void): void;
  close(callback: (error?: Error) => void): void;
  closeAllConnections(): void;
  address(): { port: number };
}

/** kinesalite in memory; streams are made active at once. */
export async function startKinesisServer(): Promise<LocalAwsServer> {
  const kinesalite = require('kinesalite') as (options: Record<string, unknown>) => KinesaliteServer;
  const server = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 100 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return behindProxy(server.address().port, { accessKeyId: 'local', secretAccessKey: 'local-secret' }, async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
}

/**
 * ElasticMQ with the queues named (a name ending in `.fifo` is a FIFO queue with content-based
 * deduplication off), SQS's limits enforced. Its jars are fetched with Maven once into the
 * stack's cache (EVP_CACHE_DIR).
 */
export async function startSqsServer(queues: readonly string[]): Promise<LocalAwsServer> {
  const config = loadConfig();
  const home = path.join(config.stack.cacheDir, `elasticmq-${versions.elasticmq}`);
  await fetchOnce(home, async (into) => {
    await requireMaven();
    await runMaven(path.join(mavenDir(), 'elasticmq.pom.xml'), path.join(into, mavenWork), {
      'elasticmq.version': versions.elasticmq,
      'stack.dir': into,
    });
  });
  const java = await findJava({ homes: [config.stack.javaHome], minMajor: 11, purpose: 'ElasticMQ' });
  const port = await freePort();
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'evp-elasticmq-'));
  const conf = path.join(directory, 'elasticmq.conf');
  const queueLines = queues.map(
    (name) => `  "${name}" { ${name.endsWith('.fifo') ? 'fifo = true, contentBasedDeduplication = false' : ''} }`,
  );
  fs.writeFileSync(
    conf,
    [
      'include classpath("application.conf")',
      `node-address { protocol = http, host = 127.0.0.1, port = ${port}, context-path = "" }`,
      `rest-sqs { enabled = true, bind-port = ${port}, bind-hostname = "127.0.0.1", sqs-limits = strict }`,
      'rest-stats { enabled = false }',
      'queues {',
      ...queueLines,
      '}',
    ].join('\n'),
  );
  const log = path.join(directory, 'elasticmq.log');
  const child: ChildProcess = spawn(java.bin, [`-Dconfig.file=${conf}`, '-cp', path.join(home, 'lib', '*'), 'org.elasticmq.server.Main'], {
    stdio: ['ignore', fs.openSync(log, 'a'), fs.openSync(log, 'a')],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitListening(port, child, log);
  return behindProxy(port, { accessKeyId: 'local', secretAccessKey: 'local-secret' }, async () => {
    child.kill('SIGTERM');
    await exited;
    fs.rmSync(directory, { recursive: true, force: true });
  });
}

/** Waits until the server answers a ListQueues, or fails with the end of its log if it exits first. */
async function waitListening(port: number, child: ChildProcess, log: string): Promise<void> {
  for (let tries = 0; tries < 600; tries++) {
    if (child.exitCode !== null) throw new Error(`ElasticMQ exited: ${fs.readFileSync(log, 'utf8').slice(-2000)}`);
    const answered = await fetch(`http://127.0.0.1:${port}/?Action=ListQueues`).then(
      (response) => response.ok,
      () => false,
    );
    if (answered) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`ElasticMQ did not answer on port ${port} within 60 s: ${fs.readFileSync(log, 'utf8').slice(-2000)}`);
}
