import { describe, expect, it } from 'vitest';
import { nonCanonicalTarget, normalizeTarget } from '../../api/request-target.js';

describe('normalizeTarget', () => {
  it.each([
    ['/api/v%31/events', '/api/v1/events'],
    ['/%61pi/v1/%65vents', '/api/v1/events'],
    ['/api/v1/entities/invoice/a%7Eb', '/api/v1/entities/invoice/a~b'],
    ['/api/v1/entities/invoice/a%7eb%5F%2D', '/api/v1/entities/invoice/a~b_-'],
    ['/api/v1/events/%2e', '/api/v1/events/.'],
    ['/api/v1/events?q=%61', '/api/v1/events?q=%61'],
    ['/api/v1/entities/crm.deal/a%2Fb%25%20c', '/api/v1/entities/crm.deal/a%2Fb%25%20c'],
    ['http://x/api/v%31/events', 'http://x/api/v%31/events'],
  ])('decodes the unreserved escapes of the path of %s, and nothing else', (target, normal) => {
    expect(normalizeTarget(target)).toBe(normal);
  });
});

describe('nonCanonicalTarget', () => {
  it.each([
    '/api/v1/events',
    '/api/v1/events?limit=5&type=invoice.*',
    '/api/v1/entities/crm.deal/a%2Fb',
    '/api/v1/entities/invoice/%C3%A9t%C3%A9',
    '/api/v1/events?q=../..',
    '/docs/',
    '/',
  ])('accepts %s', (target) => {
    expect(nonCanonicalTarget(target)).toBeUndefined();
  });

  it.each([
    ['http://x/api/v1/events', 'not an absolute URL'],
    ['*', 'not an absolute URL'],
    ['/api//v1/events', '//'],
    ['//api/v1/events', '//'],
    ['/api/v1/./events', '"." or ".."'],
    ['/api/v1/x/../events', '"." or ".."'],
    ['/api/v1/..', '"." or ".."'],
    [normalizeTarget('/api/v1/%2e%2E/events'), '"." or ".."'],
    ['/api\\v1/events', 'backslash'],
  ])('refuses %s', (target, why) => {
    expect(nonCanonicalTarget(target)).toContain(why);
  });
});
