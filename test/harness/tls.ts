import { execFile } from 'node:child_process';
import fs from 'node:fs';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { inject } from 'vitest';
import type { SecuredKafkaEndpoints } from '../../stack/index.js';

const run = promisify(execFile);

/** The local Kafka's secured listeners, or a failure that says why a test cannot use them. */
export function securedKafka(): SecuredKafkaEndpoints {
  const secured = inject('stack').kafkaSecured;
  if (secured === undefined) {
    throw new Error('the stack runs no Kafka of its own (KAFKA_BROKERS or containers), so it has no secured listeners to test against');
  }
  return secured;
}

export interface SignedCertificate {
  readonly cert: string;
  readonly key: string;
}

/**
 * A certificate signed by the local stack's CA (whose key sits beside its certificate), for
 * `subjectAltName`, valid for `days` from now: a negative number makes one that expired already.
 */
export async function signWithStackCa(caFile: string, subjectAltName: string, days: number): Promise<SignedCertificate> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'evp-test-cert-'));
  try {
    const caKey = path.join(path.dirname(caFile), 'ca.key');
    fs.writeFileSync(path.join(dir, 'ext'), `subjectAltName=${subjectAltName}\n`);
    await run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'req.csr', '-subj', '/CN=test'], {
      cwd: dir,
    });
    await run(
      'openssl',
      ['x509', '-req', '-in', 'req.csr', '-CA', caFile, '-CAkey', caKey, '-set_serial', String(Date.now()), '-out', 'cert.pem'].concat([
        '-days',
        String(days),
        '-extfile',
        'ext',
      ]),
      { cwd: dir },
    );
    return { cert: fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8'), key: fs.readFileSync(path.join(dir, 'key.pem'), 'utf8') };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A TLS server on 127.0.0.1 that presents `certificate` and then says nothing: enough to fail a client's handshake checks. */
export async function startTlsServer(certificate: SignedCertificate): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = tls.createServer({ cert: certificate.cert, key: certificate.key }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

type RefusedCertificate = [name: string, subjectAltName: string, days: number, words: RegExp];

/**
 * Certificates a client must refuse although it trusts their CA, each with the words a
 * destination's failure gives (`host`: the setting that holds the server's name): one expired, and
 * one for another host. For `it.each`: [name, subjectAltName, days, expected message].
 */
export function refusedCertificates(host: string): [expired: RefusedCertificate, misnamed: RefusedCertificate] {
  const setting = host.replace('.', '\\.');
  return [
    ['an expired certificate', 'IP:127.0.0.1', -1, /\(CERT_HAS_EXPIRED\): its certificate is not valid now; its operator must renew it/],
    [
      'a certificate for another host',
      'DNS:elsewhere.example',
      30,
      new RegExp(`\\(ERR_TLS_CERT_ALTNAME_INVALID\\): its certificate is for another host; use a name the certificate holds in ${setting}`),
    ],
  ];
}

/** What `send` makes of a TLS server on 127.0.0.1 (its port given) that presents a certificate of the stack's CA for `names`, valid `days`. */
export async function againstImpostor<T>(names: string, days: number, send: (port: number) => Promise<T>): Promise<T> {
  const impostor = await startTlsServer(await signWithStackCa(securedKafka().caFile, names, days));
  try {
    return await send(impostor.port);
  } finally {
    await impostor.close();
  }
}

/** The words of a destination's failure when no CA it trusts signed the server's certificate (`ca`: its CA setting). */
export function untrustedWords(ca: string): RegExp {
  return new RegExp(
    `\\((SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)\\): no CA the destination trusts signed its certificate; set ${ca.replace('.', '\\.')} to the PEM of the CA that did`,
  );
}
