import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../adapters/config.js';
import { createTestLogger } from '../harness/log-sink.js';
import { readDaemon } from '../../stack/daemon.js';
import { isPortOpen } from '../../stack/net.js';
import { stackPaths } from '../../stack/paths.js';
import { freePort } from '../harness/ports.js';
import { embeddedDataDir, postgresDown, postgresUp, probePostgres } from '../../stack/postgres.js';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'evp-embedded-'));
// Nothing answers on this port, so the stack falls back to the embedded server.
const config = loadConfig({ EVP_DATA_DIR: dataDir, EVP_POSTGRES_PORT: String(await freePort()) });
const ctx = { config, paths: stackPaths(config.stack), logger: createTestLogger('silent') };

afterAll(async () => {
  await postgresDown(ctx);
  fs.rmSync(embeddedDataDir(ctx), { recursive: true, force: true });
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('postgres up without DATABASE_URL or a local server', () => {
  it('starts an embedded server that answers, and stops it with no process left', async () => {
    const up = await postgresUp(ctx);
    expect(up).toMatchObject({ origin: 'stack', state: 'up', started: true, details: { kind: 'embedded' } });
    expect(up.endpoint).not.toContain(':postgres@'); // the password is redacted
    await expect(probePostgres(up.url)).resolves.toBe(true);

    const again = await postgresUp(ctx);
    expect(again).toMatchObject({ origin: 'stack', started: false, pid: up.pid });

    expect(await postgresDown(ctx)).toBe(true);
    expect(readDaemon(ctx.paths.postgresPid)).toBeUndefined();
    expect(await isPortOpen('127.0.0.1', config.stack.postgresPort)).toBe(false);
  });
});
