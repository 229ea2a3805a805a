import { describe, expect, it } from 'vitest';
import { checkEndpointUrl, parseEndpoint, type EndpointRules } from '../../core/endpoint-rules.js';

const rules: EndpointRules = { field: 'redis.url', schemes: { redis: 6379, rediss: 6379 } };
const none = new Set<string>();

describe('endpoint rules', () => {
  it('endpoint rules read the scheme, host, port and path of a broker URL', () => {
    expect(parseEndpoint('redis://Cache.Example.com/2', rules)).toEqual({
      scheme: 'redis',
      host: 'cache.example.com',
      port: 6379,
      path: '/2',
    });
    expect(parseEndpoint('rediss://[2001:db8::1]:7000', rules)).toEqual({ scheme: 'rediss', host: '2001:db8::1', port: 7000, path: '' });
  });

  it('endpoint rules refuse another scheme, credentials, a query or no host, naming the field', () => {
    expect(parseEndpoint('http://cache.example.com', rules)).toEqual({
      field: 'redis.url',
      message: "the URL's scheme must be redis, rediss (got http:)",
    });
    expect(parseEndpoint('not a url', rules)).toEqual({ field: 'redis.url', message: '"not a url" is not a URL; use redis://host:6379' });
    expect(parseEndpoint('redis://user:secret@cache.example.com', rules)).toEqual({
      field: 'redis.url',
      message: 'the URL must not carry a user or password; give them as the username and password settings',
    });
    expect(parseEndpoint('redis://cache.example.com/?password=x', rules)).toMatchObject({
      message: 'the URL must not carry a query or fragment',
    });
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
  });
});
