import { describe, expect, it } from 'vitest';
import { checkEndpointUrl, hostPort, internalAddressProblem, parseEndpoint, type EndpointRules } from '../../core/endpoint-rules.js';
import { parseAmqpUrl } from '../../destinations/amqp/url.js';
import { parseNatsServers } from '../../destinations/nats/servers.js';

const rules: EndpointRules = {
  field: 'redis.url',
  schemes: { redis: { port: 6379, tls: false }, rediss: { port: 6379, tls: true } },
  credentials: 'redis.username and redis.password',
};
const none = new Set<string>();

describe('endpoint rules', () => {
  it('endpoint rules read the scheme, host, port, TLS and path of a broker URL', () => {
    expect(parseEndpoint('redis://Cache.Example.com/2', rules)).toEqual({
      scheme: 'redis',
      host: 'cache.example.com',
      port: 6379,
      tls: false,
      path: '/2',
    });
    expect(parseEndpoint('rediss://[2001:db8::1]:7000', rules)).toEqual({
      scheme: 'rediss',
      host: '2001:db8::1',
      port: 7000,
      tls: true,
      path: '',
    });
    expect(hostPort({ host: '::1', port: 5673 })).toBe('[::1]:5673');
    expect(hostPort({ host: 'cache.example.com', port: 6379 })).toBe('cache.example.com:6379');
  });

  it('endpoint rules refuse another scheme, credentials, a query, port 0 or no host, naming the field', () => {
    expect(parseEndpoint('http://cache.example.com', rules)).toEqual({
      field: 'redis.url',
      message: "the URL's scheme must be redis, rediss (got http:)",
    });
    expect(parseEndpoint('not a url', rules)).toEqual({ field: 'redis.url', message: '"not a url" is not a URL; use redis://host:6379' });
    expect(parseEndpoint('redis://user:secret@cache.example.com', rules)).toEqual({
      field: 'redis.url',
      message: 'the URL must not carry a user or password; give them as redis.username and redis.password',
    });
    expect(parseEndpoint('redis://cache.example.com/?password=x', rules)).toMatchObject({
      message: 'the URL must not carry a query or fragment',
    });
    expect(parseEndpoint('redis://cache.example.com:0', rules)).toMatchObject({ message: 'the URL names port 0' });
    expect(parseEndpoint('redis://cache.example.com/toString', { ...rules, path: false })).toMatchObject({
      message: 'the URL must not have a path',
    });
    // A scheme is looked up as the type's own, not as any property of an object.
    expect(parseEndpoint('constructor://cache.example.com', rules)).toMatchObject({ message: expect.stringContaining('scheme must be') });
  });

  it('endpoint rules refuse internal addresses unless the host is allowed, without naming the address', () => {
    expect(checkEndpointUrl('redis://10.0.0.7', rules, [], none)).toEqual([
      {
        field: 'redis.url',
        message:
          '10.0.0.7 is an internal address (loopback, private, link-local or reserved); the operator must add the host to DESTINATION_ALLOWED_HOSTS to allow it',
      },
    ]);
    const [problem] = checkEndpointUrl('redis://cache.internal', rules, ['93.184.216.34', '169.254.169.254'], none);
    expect(problem?.message).toMatch(/^cache\.internal resolves to an internal address/);
    expect(problem?.message).not.toContain('169.254');
    expect(checkEndpointUrl('redis://cache.internal', rules, ['10.0.0.7'], new Set(['cache.internal']))).toEqual([]);
    expect(checkEndpointUrl('redis://cache.example.com', rules, ['93.184.216.34'], none)).toEqual([]);
    expect(internalAddressProblem({ host: '127.0.0.1' }, [], new Set(['127.0.0.1']))).toBeUndefined();
    expect(internalAddressProblem({ host: 'rabbit.internal' }, ['93.184.216.34', '169.254.169.254'], none)).toMatch(
      /^rabbit\.internal resolves to an internal address/,
    );
  });

  it('endpoint rules parse AMQP URLs with their default ports, TLS and virtual host', () => {
    expect(parseAmqpUrl('amqp://Rabbit.example.com')).toMatchObject({ host: 'rabbit.example.com', port: 5672, tls: false, vhost: '/' });
    expect(parseAmqpUrl('amqps://rabbit.example.com/prod')).toMatchObject({
      host: 'rabbit.example.com',
      port: 5671,
      tls: true,
      vhost: 'prod',
    });
    expect(parseAmqpUrl('amqp://[::1]:5673/a%2Fb')).toMatchObject({ host: '::1', port: 5673, tls: false, vhost: 'a/b' });
  });

  it('endpoint rules refuse AMQP URLs of another scheme, with credentials, a query or more than a virtual host', () => {
    expect(parseAmqpUrl('http://rabbit')).toEqual({ field: 'amqp.url', message: "the URL's scheme must be amqp, amqps (got http:)" });
    expect(parseAmqpUrl('amqp://guest:secret@rabbit')).toEqual({
      field: 'amqp.url',
      message: 'the URL must not carry a user or password; give them as amqp.username and amqp.password',
    });
    expect(parseAmqpUrl('amqp://rabbit/?frameMax=0')).toMatchObject({ message: 'the URL must not carry a query or fragment' });
    expect(parseAmqpUrl('amqp://rabbit/a/b')).toMatchObject({ message: expect.stringContaining('at most one virtual host') });
    expect(parseAmqpUrl('amqp://rabbit/%E0%A4%A')).toMatchObject({ message: expect.stringContaining('not valid percent-encoding') });
    expect(parseAmqpUrl('rabbit:5672')).toMatchObject({ message: expect.stringContaining('scheme must be amqp, amqps') });
    expect(parseAmqpUrl('not a url')).toMatchObject({ message: expect.stringContaining('is not a URL') });
  });

  it('endpoint rules parse NATS server URLs and refuse the others, naming the server', () => {
    expect(parseNatsServers(['nats://NATS.example.com', 'tls://nats.example.com:4443'])).toEqual({
      endpoints: [
        { scheme: 'nats', host: 'nats.example.com', port: 4222, tls: false, path: '' },
        { scheme: 'tls', host: 'nats.example.com', port: 4443, tls: true, path: '' },
      ],
    });
    expect(parseNatsServers(['nats://a.example.com', 'nats://u:p@nats.example.com'])).toEqual({
      problem: {
        field: 'nats.servers',
        message:
          'the server "nats://u:p@nats.example.com" must not carry a user or password; give them as nats.user and nats.password, or nats.token',
      },
    });
    expect(parseNatsServers(['ws://nats.example.com'])).toEqual({
      problem: { field: 'nats.servers', message: `the server "ws://nats.example.com"'s scheme must be nats, tls (got ws:)` },
    });
    expect(parseNatsServers(['nats://nats.example.com/x'])).toEqual({
      problem: { field: 'nats.servers', message: 'the server "nats://nats.example.com/x" must not have a path' },
    });
  });
});
