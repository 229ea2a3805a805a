import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../adapters/logger.js';
import { loadSecretBox, secretKeyFile } from '../../adapters/secret-key.js';
import { createSecretBox, parseSecretKey } from '../../core/secret-box.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'evp-secret-key-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const logger = createLogger('silent');

describe('the key for webhook secrets at rest', () => {
  it('is made once per data directory, readable by its owner only, and shared by every process there', () => {
    const dataDir = path.join(root, 'made');
    const first = loadSecretBox({ key: undefined, dataDir, logger, create: true });
    const second = loadSecretBox({ key: undefined, dataDir, logger, create: true });
    expect(second.keyId).toBe(first.keyId);
    expect(second.open(first.seal('whsec_x', 'dst_1'), 'dst_1')).toBe('whsec_x');
    expect(fs.statSync(secretKeyFile(dataDir)).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(dataDir)).toEqual(['destination-secret.key']);
  });

  it('is DESTINATION_SECRET_KEY when given, and no file is made', () => {
    const dataDir = path.join(root, 'given');
    const key = parseSecretKey('0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef') as Buffer;
    expect(loadSecretBox({ key, dataDir, logger, create: true }).keyId).toBe(createSecretBox(key).keyId);
    expect(fs.existsSync(secretKeyFile(dataDir))).toBe(false);
  });

  it('refuses a key file that holds no key, naming it', () => {
    const dataDir = path.join(root, 'broken');
    fs.mkdirSync(dataDir);
    fs.writeFileSync(secretKeyFile(dataDir), 'not a key\n');
    expect(() => loadSecretBox({ key: undefined, dataDir, logger, create: true })).toThrow(/destination-secret\.key does not hold a key/);
  });

  it('is not made by a process that only reads secrets: it is told where the key comes from', () => {
    const dataDir = path.join(root, 'reader');
    expect(() => loadSecretBox({ key: undefined, dataDir, logger, create: false })).toThrow(
      /No key for webhook secrets: set DESTINATION_SECRET_KEY/,
    );
    expect(fs.existsSync(secretKeyFile(dataDir))).toBe(false);
  });

  it('is the same for processes that start at once', { timeout: 60_000 }, async () => {
    const dataDir = path.join(root, 'racing');
    const script = `
      const { loadSecretBox } = await import(${JSON.stringify(path.resolve('adapters/secret-key.ts'))});
      const { createLogger } = await import(${JSON.stringify(path.resolve('adapters/logger.ts'))});
      process.stdout.write(loadSecretBox({ key: undefined, dataDir: process.argv[1], logger: createLogger('silent'), create: true }).keyId);`;
    const ids = await Promise.all(
      Array.from(
        { length: 6 },
        () =>
          new Promise<string>((resolve, reject) => {
            const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, dataDir], {
              stdio: ['ignore', 'pipe', 'inherit'],
            });
            let out = '';
            child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
            child.on('error', reject);
            child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${String(code)}`))));
          }),
      ),
    );
    const onDisk = loadSecretBox({ key: undefined, dataDir, logger, create: false }).keyId;
    expect(ids).toEqual(Array.from({ length: 6 }, () => onDisk));
    expect(fs.readdirSync(dataDir)).toEqual(['destination-secret.key']);
  });
});
