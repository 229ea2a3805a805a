import { spawn, type ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../harness/ports.js';
import type { SignedCertificate } from '../../harness/tls.js';

/**
 * A Mosquitto of the test's own, on a free port, that requires a user (`user`, `password`) and lets
 * it publish only under `allowed/`, in packets of at most 4 KiB: what the shared broker (anonymous, no ACL) cannot show.
 * Stopped by `stop()`; the shared broker is never touched.
 */
export interface PrivateBroker {
  readonly port: number;
  readonly user: string;
  readonly password: string;
  stop(): Promise<void>;
}

/** The largest packet the private broker takes. */
export const maxPacketBytes = 4_096;

/** With `tls`, the listener speaks only TLS, presenting `cert` (signed by the CA in `caFile`). */
export async function startPrivateBroker(
  options: { readonly tls?: SignedCertificate & { readonly caFile: string } } = {},
): Promise<PrivateBroker> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'evp-mosquitto-'));
  // Started as root, mosquitto reads its files as the mosquitto user.
  chmodSync(dir, 0o755);
  const port = await freePort();
  const user = 'evp';
  const password = 'broker-password';
  execFileSync('mosquitto_passwd', ['-c', '-b', path.join(dir, 'passwords'), user, password]);
  writeFileSync(path.join(dir, 'acl'), `user ${user}\ntopic write allowed/#\ntopic read allowed/#\n`);
  writeFileSync(
    path.join(dir, 'mosquitto.conf'),
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous false',
      `password_file ${path.join(dir, 'passwords')}`,
      `acl_file ${path.join(dir, 'acl')}`,
      'persistence false',
      // Larger packets are refused: the broker's DISCONNECT says so.
      `max_packet_size ${maxPacketBytes}`,
      ...(options.tls === undefined ? [] : tlsLines(dir, options.tls)),
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn('mosquitto', ['-c', path.join(dir, 'mosquitto.conf')], { stdio: 'ignore' });
  await waitForPort(port);
  return {
    port,
    user,
    password,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The listener's TLS settings, its files copied to `dir`, where the mosquitto user can read them
 * (the key too: a throwaway one).
 */
function tlsLines(dir: string, tls: SignedCertificate & { readonly caFile: string }): string[] {
  const file = (name: string, content: string) => {
    writeFileSync(path.join(dir, name), content, { mode: 0o644 });
    return path.join(dir, name);
  };
  return [
    `cafile ${file('ca.pem', readFileSync(tls.caFile, 'utf8'))}`,
    `certfile ${file('cert.pem', tls.cert)}`,
    `keyfile ${file('key.pem', tls.key)}`,
  ];
}

async function waitForPort(port: number): Promise<void> {
  for (let tries = 0; tries < 100; tries++) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`mosquitto did not listen on ${port}`);
}
