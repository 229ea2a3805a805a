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
    const first = loadSecretBox({ key: undefined, dataDir, logger });
    const second = loadSecretBox({ key: undefined, dataDir, logger });
    expect(second.keyId).toBe(first.keyId);
    expect(second.open(first.seal('whsec_x'))).toBe('whsec_x');
    expect(fs.statSync(secretKeyFile(dataDir)).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(dataDir)).toEqual(['destination-secret.key']);
  });

  it('is DESTINATION_SECRET_KEY when given, and no file is made', () => {
    const dataDir = path.join(root, 'given');
    const key = parseSecretKey('0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef') as Buffer;
    expect(loadSecretBox({ key, dataDir, logger }).keyId).toBe(createSecretBox(key).keyId);
    expect(fs.existsSync(secretKeyFile(dataDir))).toBe(false);
  });

  it('refuses a key file that holds no key, naming it', () => {
    const dataDir = path.join(root, 'broken');
    fs.mkdirSync(dataDir);
    fs.writeFileSync(secretKeyFile(dataDir), 'not a key\n');
    expect(() => loadSecretBox({ key: undefined, dataDir, logger })).toThrow(/destination-secret\.key does not hold a key/);
  });
});
