import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../adapters/config.js';
import { createLogger } from '../../adapters/logger.js';
import { kafkaUp } from '../../stack/kafka.js';
import { stackPaths } from '../../stack/paths.js';
import { registryUp } from '../../stack/registry.js';

/** A TCP server that accepts connections and never speaks: "something else" on the port. */
const sockets = new Set<net.Socket>();
const silent = net.createServer((socket) => {
  sockets.add(socket.on('error', () => undefined));
});
await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
const takenPort = (silent.address() as net.AddressInfo).port;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'evp-ports-'));

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => silent.close(resolve));
  fs.rmSync(dataDir, { recursive: true, force: true });
});

function contextWith(env: Record<string, string>) {
  const config = loadConfig({ EVP_DATA_DIR: dataDir, ...env });
  return { config, paths: stackPaths(config.stack), logger: createLogger('silent') };
}

describe('stack up on a taken port', () => {
  it('refuses to start kafka where another process listens, naming the port and the variable', async () => {
    await expect(kafkaUp(contextWith({ EVP_KAFKA_PORT: String(takenPort) }))).rejects.toMatchObject({
      code: 'EVP_STACK_PORT_TAKEN',
      message: expect.stringContaining(`Port ${takenPort} on 127.0.0.1 is taken by a process that does not answer as Kafka`),
    });
  });

  it('refuses to start the registry where another process listens', async () => {
    await expect(
      registryUp(contextWith({ EVP_REGISTRY_PORT: String(takenPort) }), { storage: 'memory', postgresUrl: 'postgres://unused' }),
    ).rejects.toMatchObject({ code: 'EVP_STACK_PORT_TAKEN', message: expect.stringContaining('EVP_REGISTRY_PORT') });
  });
});
