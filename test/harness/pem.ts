import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** PEM texts made with openssl for a test file: a self-signed certificate and its key, another key, and the key encrypted. */
export interface TestPems {
  readonly cert: string;
  readonly key: string;
  readonly otherKey: string;
  readonly encryptedKey: string;
}

export function makeTestPems(): TestPems {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'evp-test-pem-'));
  try {
    const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '1', '-subj', '/CN=test');
    openssl('genpkey', '-algorithm', 'RSA', '-out', 'other.pem');
    openssl('pkey', '-in', 'key.pem', '-aes256', '-passout', 'pass:secret', '-out', 'encrypted.pem');
    const read = (file: string) => fs.readFileSync(path.join(dir, file), 'utf8');
    return { cert: read('cert.pem'), key: read('key.pem'), otherKey: read('other.pem'), encryptedKey: read('encrypted.pem') };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
