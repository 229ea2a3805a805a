import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../adapters/logger.js';

/** A logger writing nothing to stderr and every line (debug and up) into the returned list. */
function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger('silent', { service: 'test' }, { copyTo: { stream, level: 'debug' } }), lines };
}

describe('createLogger', () => {
  it('replaces secret fields and takes the password out of connection strings', () => {
    const { logger, lines } = capture();
    logger.info(
      {
        password: 'hunter2',
        databaseUrl: 'postgres://app:hunter2@db/app',
        destination: { secret: 'whsec_c2VjcmV0LXNpZ25pbmcta2V5LWJ5dGVz', url: 'https://u:hunter2@hooks.example/in' },
        req: { headers: { authorization: 'Bearer evp_sk_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG' } },
      },
      'fields',
    );
    expect(lines[0]).toMatchObject({
      password: '[redacted]',
      databaseUrl: 'postgres://app:***@db/app',
      destination: { secret: '[redacted]', url: 'https://u:***@hooks.example/in' },
      req: { headers: { authorization: '[redacted]' } },
    });
    expect(JSON.stringify(lines)).not.toMatch(/hunter2|whsec_c2Vj|evp_sk_0123/);
  });

  it('scrubs what an error carries: its message, stack, cause and fields', () => {
    const { logger, lines } = capture();
    let invalid: unknown;
    try {
      new URL('postgres://app:hunter2@db:99999/app');
    } catch (error) {
      invalid = error;
    }
    logger.error({ err: invalid }, 'bad url');
    const cause = new Error('signing with whsec_c2VjcmV0LXNpZ25pbmcta2V5LWJ5dGVz failed');
    logger.warn({ err: new Error('cannot reach postgres://app:hunter2@db/app', { cause }) }, 'unreachable');
    expect(lines).toHaveLength(2);
    expect(JSON.stringify(lines)).not.toMatch(/hunter2|whsec_c2Vj/);
    expect(lines[1]).toMatchObject({ err: { message: expect.stringContaining('postgres://app:***@db/app') } });
  });

  it("replaces a Kafka destination's password and key, in a request body, its credentials and a security setup", () => {
    const { logger, lines } = capture();
    const key = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----';
    logger.info(
      {
        body: { kafka: { sasl_username: 'tenant', sasl_password: 'hunter2', ssl_key_pem: key } },
        credentials: { sasl_password: 'evpenc1:abcd:hunter2' },
        target: { security: { protocol: 'SASL_SSL', sasl: { mechanism: 'PLAIN', username: 'tenant', password: 'hunter2' }, tls: { key } } },
      },
      'fields',
    );
    logger.warn({ err: new Error(`cannot use ${key}`) }, 'key in a message');
    expect(lines[0]).toMatchObject({
      body: { kafka: { sasl_username: 'tenant', sasl_password: '[redacted]', ssl_key_pem: '[redacted]' } },
      credentials: '[redacted]',
      target: { security: { sasl: { username: 'tenant', password: '[redacted]' }, tls: { key: '[redacted]' } } },
    });
    expect(JSON.stringify(lines)).not.toMatch(/hunter2|MIIEvQ/);
    logger.info(
      { body: { amqp: { username: 'tenant', password: 'hunter3' }, nats: { password: 'hunter3', token: 'hunter3' } } },
      'brokers',
    );
    expect(lines[2]).toMatchObject({
      body: { amqp: { username: 'tenant', password: '[redacted]' }, nats: { password: '[redacted]', token: '[redacted]' } },
    });
    expect(JSON.stringify(lines)).not.toContain('hunter3');
  });

  it('copies every line at the copy level, whatever the logger level', () => {
    const { logger, lines } = capture();
    logger.debug('quiet');
    logger.trace('quieter');
    expect(lines.map((line) => line['msg'])).toEqual(['quiet']);
  });
});
