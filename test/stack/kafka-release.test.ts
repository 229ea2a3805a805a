import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../adapters/config.js';
import { createLogger } from '../../adapters/logger.js';
import { settingDefault } from '../../adapters/settings/setting.js';
import { stackSettings } from '../../adapters/settings/stack.js';
import { startDaemon } from '../../stack/daemon.js';
import { renderLog4j2Properties } from '../../stack/kafka-config.js';
import { kafkaNodes } from '../../stack/kafka-nodes.js';
import { checkReleaseMarker, kafkaLogging, writeReleaseMarker } from '../../stack/kafka-release.js';
import { kafkaDown, kafkaStatus, kafkaUp } from '../../stack/kafka.js';
import { kafkaNodePaths, stackPaths } from '../../stack/paths.js';
import { kafkaReleaseSpecs, versions } from '../../stack/versions.js';
import { freePortRun } from '../harness/ports.js';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'evp-kafka-release-'));
// Ports nothing answers on: the node below is a stand-in that listens nowhere.
const basePort = await freePortRun(5);
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

function contextWith(env: Record<string, string>) {
  const config = loadConfig({
    EVP_DATA_DIR: dataDir,
    EVP_CACHE_DIR: '/cache',
    EVP_KAFKA_PORT: String(basePort),
    EVP_KAFKA_CONTROLLER_PORT: String(basePort + 1),
    EVP_KAFKA_SECURE_PORT: String(basePort + 2),
    ...env,
  });
  return { config, paths: stackPaths(config.stack), logger: createLogger('silent') };
}

describe('EVP_KAFKA_VERSION', () => {
  it('defaults to the release docker-compose.yml runs, and refuses one the stack does not know, naming the variable', () => {
    expect(settingDefault(stackSettings.settings.EVP_KAFKA_VERSION)).toBe(versions.kafka);
    expect(loadConfig({ EVP_KAFKA_VERSION: '4.4.0' }).stack.kafkaVersion).toBe('4.4.0');
    expect(() => loadConfig({ EVP_KAFKA_VERSION: '4.0' })).toThrow(
      /EVP_KAFKA_VERSION="4.0": must be a Kafka release the local stack runs: 3.9.2 or 4.4.0/,
    );
  });

  it('gives each release its own jars, and Kafka 4 folders of its own with a log4j 2 configuration', () => {
    const three = stackPaths(loadConfig({ EVP_DATA_DIR: '/srv/evp', EVP_CACHE_DIR: '/cache' }).stack);
    const four = stackPaths(loadConfig({ EVP_DATA_DIR: '/srv/evp', EVP_CACHE_DIR: '/cache', EVP_KAFKA_VERSION: '4.4.0' }).stack);
    expect(three).toMatchObject({
      kafkaHome: '/cache/kafka-3.9.2',
      kafkaDir: '/srv/evp/kafka',
      kafkaLog4j: '/srv/evp/kafka/log4j.properties',
    });
    expect(four).toMatchObject({
      kafkaHome: '/cache/kafka-4.4.0',
      kafkaDir: '/srv/evp/kafka-4',
      kafkaLog4j: '/srv/evp/kafka-4/log4j2.properties',
    });
    expect(kafkaNodePaths(four, 3, 2)).toMatchObject({
      dir: '/srv/evp/kafka-4-cluster/node-2',
      log4j: '/srv/evp/kafka-4-cluster/node-2/log4j2.properties',
    });
    // Both releases share the secured listeners' CA and user.
    expect(four.kafkaSecureDir).toBe(three.kafkaSecureDir);
  });
});

describe("a release's logging", () => {
  it('points a Kafka 4 JVM at a log4j 2 configuration, and a Kafka 3 one at a log4j 1 configuration', () => {
    expect(kafkaLogging(kafkaReleaseSpecs['4.4.0']).jvmOption('/d/log4j2.properties')).toBe(
      '-Dlog4j2.configurationFile=/d/log4j2.properties',
    );
    expect(kafkaLogging(kafkaReleaseSpecs['3.9.2']).jvmOption('/d/log4j.properties')).toBe(
      '-Dlog4j.configuration=file:/d/log4j.properties',
    );
  });
});

describe('renderLog4j2Properties', () => {
  it("sends the broker's log to one rolling file and quietens the request logger", () => {
    const text = renderLog4j2Properties('/data/kafka-4/server.log');
    expect(text).toContain('appender.file.fileName=/data/kafka-4/server.log');
    expect(text).toContain('rootLogger.appenderRef.file.ref=file');
    expect(text).toMatch(/logger\.request\.name=kafka\.request\.logger\nlogger\.request\.level=WARN/);
  });
});

describe('the release marker of a formatted log directory', () => {
  const files = kafkaNodePaths(contextWith({}).paths, 1, 1);
  const format = (marker?: string) => {
    fs.rmSync(files.dir, { recursive: true, force: true });
    fs.mkdirSync(files.data, { recursive: true });
    fs.writeFileSync(path.join(files.data, 'meta.properties'), 'cluster.id=abc\n');
    if (marker !== undefined) fs.writeFileSync(path.join(files.data, 'evp-kafka-release'), `${marker}\n`);
  };

  it('lets a release open what it formatted, and any release open an unformatted folder', () => {
    fs.rmSync(files.dir, { recursive: true, force: true });
    expect(() => checkReleaseMarker(files, '4.4.0')).not.toThrow();
    format();
    writeReleaseMarker(files, '4.4.0');
    expect(() => checkReleaseMarker(files, '4.4.0')).not.toThrow();
  });

  it('refuses storage of another major release, naming EVP_KAFKA_VERSION and the release that formatted it', () => {
    format('4.4.0');
    expect(() => checkReleaseMarker(files, '3.9.2')).toThrow(
      expect.objectContaining({
        code: 'EVP_STACK_START_FAILED',
        message: expect.stringMatching(/formatted by Kafka 4\.4\.0, and EVP_KAFKA_VERSION=3\.9\.2 .*Set EVP_KAFKA_VERSION to 4\.4\.0/),
      }),
    );
  });

  it('takes storage without a marker for Kafka 3, which formatted it before markers existed', () => {
    format();
    expect(() => checkReleaseMarker(files, '3.9.2')).not.toThrow();
    expect(fs.readFileSync(path.join(files.data, 'evp-kafka-release'), 'utf8')).toBe('3.9.2\n');
    format();
    expect(() => checkReleaseMarker(files, '4.4.0')).toThrow(/formatted by a Kafka 3 release.*EVP_KAFKA_VERSION to a 3\.x release/);
  });
});

describe('a Kafka of another release that the stack runs', () => {
  it('is shown with its release, refused to `up` for this one, and stopped by `down`', async () => {
    const four = contextWith({ EVP_KAFKA_VERSION: '4.4.0' });
    const three = contextWith({});
    const node = kafkaNodePaths(four.paths, 1, 1);
    // A stand-in for the node's JVM: a process whose command line holds its properties file, as the real one's does.
    startDaemon({
      command: process.execPath,
      args: ['-e', 'setTimeout(() => {}, 60000)', node.properties],
      logFile: node.out,
      pidFile: node.pid,
      marker: node.properties,
      meta: { nodeId: '1', nodes: '1', release: '4.4.0' },
    });
    try {
      expect(kafkaNodes(four)[0]?.release).toBe('4.4.0');
      expect(await kafkaStatus(three)).toMatchObject({ origin: 'stack', state: 'down', details: { version: '4.4.0' } });
      await expect(kafkaUp(three)).rejects.toMatchObject({
        code: 'EVP_STACK_PORT_TAKEN',
        message: expect.stringMatching(/already runs Kafka 4\.4\.0 .*but EVP_KAFKA_VERSION asks for 3\.9\.2.*EVP_KAFKA_VERSION=4\.4\.0/),
      });
      expect(await kafkaDown(three)).toBe(true);
      expect(kafkaNodes(four)[0]?.pid).toBeUndefined();
    } finally {
      await kafkaDown(four);
    }
  });
});
