import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { StackError, stackErrorCodes } from '../adapters/errors.js';
import type { SecuredListenerFiles } from './kafka-config.js';

const run = promisify(execFile);

/**
 * What a client needs to reach the local Kafka's secured listeners, kept in `<data>/kafka-secure/`:
 * a CA made for this stack, the broker's certificate (for 127.0.0.1 and localhost) and a client
 * certificate for the mTLS listener, all signed by it, and one user for PLAIN and SCRAM with a
 * random password. Made once with openssl and kept, so a restarted stack keeps its credentials.
 */
export interface LocalSecurity extends SecuredListenerFiles {
  readonly dir: string;
  readonly clientCertPem: string;
  readonly clientKeyPem: string;
}

interface Credentials {
  readonly username: string;
  readonly password: string;
}

export function localSecurityFiles(dir: string): LocalSecurity {
  const credentials = readCredentials(path.join(dir, 'credentials.json'));
  return {
    dir,
    brokerPem: path.join(dir, 'broker.pem'),
    caPem: path.join(dir, 'ca.pem'),
    clientCertPem: path.join(dir, 'client.pem'),
    clientKeyPem: path.join(dir, 'client.key'),
    username: credentials?.username ?? '',
    password: credentials?.password ?? '',
  };
}

function readCredentials(file: string): Credentials | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Credentials;
  } catch {
    return undefined;
  }
}

/** The local secured listeners' files, made now if any is missing. */
export async function ensureLocalSecurity(dir: string): Promise<LocalSecurity> {
  const files = localSecurityFiles(dir);
  const needed = [files.brokerPem, files.caPem, files.clientCertPem, files.clientKeyPem, path.join(dir, 'credentials.json')];
  if (needed.every((file) => fs.existsSync(file))) return files;
  const work = `${dir}.tmp-${process.pid}`;
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true, mode: 0o700 });
  try {
    await makeCertificates(work);
    const credentials: Credentials = { username: 'evp', password: randomBytes(18).toString('hex') };
    fs.writeFileSync(path.join(work, 'credentials.json'), `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(work, dir);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  return localSecurityFiles(dir);
}

async function openssl(cwd: string, args: readonly string[]): Promise<void> {
  try {
    await run('openssl', args, { cwd, timeout: 30_000 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const said =
      code === 'ENOENT' ? 'openssl is not installed (apt-get install openssl)' : ((error as { stderr?: string }).stderr ?? String(error));
    throw new StackError(stackErrorCodes.startFailed, `Making the local Kafka's TLS certificates failed: ${said.trim()}`, { cause: error });
  }
}

/** A CA, and the broker's and a client's certificates signed by it, valid ten years. */
async function makeCertificates(dir: string): Promise<void> {
  const days = '3650';
  await openssl(dir, [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    days,
    '-subj',
    '/CN=event-pipeline local stack CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  const sign = async (name: string, subject: string, extensions: string) => {
    fs.writeFileSync(path.join(dir, `${name}.ext`), extensions);
    await openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject]);
    await openssl(dir, [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      days,
      '-extfile',
      `${name}.ext`,
    ]);
  };
  await sign('broker', '/CN=localhost', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  await sign('client', '/CN=evp', 'extendedKeyUsage=clientAuth\n');
  const read = (file: string) => fs.readFileSync(path.join(dir, file), 'utf8');
  // Kafka's PEM key store: the unencrypted PKCS#8 key, then the certificate chain.
  fs.writeFileSync(path.join(dir, 'broker.pem'), read('broker.key') + read('broker.crt') + read('ca.pem'), { mode: 0o600 });
  fs.writeFileSync(path.join(dir, 'client.pem'), read('client.crt'));
  for (const file of fs.readdirSync(dir)) {
    if (/\.(csr|ext|srl|crt)$/.test(file) || file === 'broker.key') fs.rmSync(path.join(dir, file));
  }
}
