import { describe, expect, it } from 'vitest';
import { checkEndpointHost, hostPort, parseAmqpUrl, parseNatsServer } from '../../core/endpoint-rules.js';

describe('broker endpoint rules', () => {
  it('parse AMQP URLs with their default ports and virtual host', () => {
    expect(parseAmqpUrl('amqp://Rabbit.example.com')).toEqual({ host: 'rabbit.example.com', port: 5672, tls: false, vhost: '/' });
    expect(parseAmqpUrl('amqps://rabbit.example.com/prod')).toEqual({ host: 'rabbit.example.com', port: 5671, tls: true, vhost: 'prod' });
    expect(parseAmqpUrl('amqp://[::1]:5673/a%2Fb')).toEqual({ host: '::1', port: 5673, tls: false, vhost: 'a/b' });
    expect(hostPort({ host: '::1', port: 5673, tls: false })).toBe('[::1]:5673');
  });

  it('refuse AMQP URLs of another scheme, with credentials, a query or more than a virtual host', () => {
    expect(parseAmqpUrl('http://rabbit')).toEqual({ problem: 'must be amqp:// or amqps:// (got http:)' });
    expect(parseAmqpUrl('amqp://guest:secret@rabbit')).toEqual({
      problem: 'must not carry a user or password; give them as amqp.username and amqp.password',
    });
    expect(parseAmqpUrl('amqp://rabbit/?frameMax=0')).toEqual({ problem: 'must not have a query or a fragment' });
    expect(parseAmqpUrl('amqp://rabbit/a/b')).toMatchObject({ problem: expect.stringContaining('at most one virtual host') });
    expect(parseAmqpUrl('rabbit:5672')).toMatchObject({ problem: expect.stringContaining('must be amqp://') });
    expect(parseAmqpUrl('not a url')).toMatchObject({ problem: expect.stringContaining('is not a URL') });
  });

  it('parse NATS server URLs and refuse the others', () => {
    expect(parseNatsServer('nats://NATS.example.com')).toEqual({ host: 'nats.example.com', port: 4222, tls: false });
    expect(parseNatsServer('tls://nats.example.com:4443')).toEqual({ host: 'nats.example.com', port: 4443, tls: true });
    expect(parseNatsServer('nats://u:p@nats.example.com')).toMatchObject({ problem: expect.stringContaining('nats.token') });
    expect(parseNatsServer('ws://nats.example.com')).toEqual({ problem: 'must be nats:// or tls:// (got ws:)' });
    expect(parseNatsServer('nats://nats.example.com/x')).toEqual({ problem: 'must not have a path' });
  });

  it('refuse internal addresses unless the host is allowed, without naming the address a name resolves to', () => {
    expect(checkEndpointHost('amqp.url', '10.0.0.5', [], new Set())).toEqual([
      {
        field: 'amqp.url',
        message:
          '10.0.0.5 is an internal address (loopback, private, link-local or reserved); the operator must add the host to DESTINATION_ALLOWED_HOSTS to allow it',
      },
    ]);
    const [problem] = checkEndpointHost('nats.servers', 'rabbit.internal', ['93.184.216.34', '169.254.169.254'], new Set());
    expect(problem?.message).toContain('rabbit.internal resolves to an internal address');
    expect(problem?.message).not.toContain('169.254');
    expect(checkEndpointHost('amqp.url', '127.0.0.1', [], new Set(['127.0.0.1']))).toEqual([]);
    expect(checkEndpointHost('amqp.url', 'rabbit.example.com', ['93.184.216.34'], new Set())).toEqual([]);
  });
});
