import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../adapters/project-root.js';
import { parseSecretKey } from '../../core/secret-box.js';

const run = promisify(execFile);
const root = projectRoot();
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'evp-secret-key-cli-'));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

async function evp(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', path.join(root, 'cli', 'evp.ts'), ...args], {
      env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('evp secret-key', () => {
  it('ensure makes the key file once and prints its id; new prints a key DESTINATION_SECRET_KEY takes', { timeout: 60_000 }, async () => {
    const env = { EVP_DATA_DIR: dataDir, DESTINATION_SECRET_KEY: '' };
    const first = await evp(['secret-key', 'ensure'], env);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(new RegExp(`^key [0-9a-f]{8} \\(${dataDir}/destination-secret\\.key\\)\\n$`));
    expect((await evp(['secret-key', 'ensure'], env)).stdout).toBe(first.stdout);

    const made = await evp(['secret-key', 'new'], env);
    expect(parseSecretKey(made.stdout)?.length).toBe(32);
    const given = await evp(['secret-key', 'ensure'], { ...env, DESTINATION_SECRET_KEY: made.stdout.trim() });
    expect(given.stdout).toMatch(/^key [0-9a-f]{8} \(DESTINATION_SECRET_KEY\)\n$/);
    expect(given.stdout).not.toBe(first.stdout);
  });

  it('refuses a bad DESTINATION_SECRET_KEY with exit code 1, naming it and hiding its value', { timeout: 60_000 }, async () => {
    const bad = await evp(['secret-key', 'ensure'], { EVP_DATA_DIR: dataDir, DESTINATION_SECRET_KEY: 'sw0rdfish' });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('DESTINATION_SECRET_KEY=(hidden): must be 32 bytes in base64 or hex');
    expect(bad.stderr).not.toContain('sw0rdfish');
  });
});
