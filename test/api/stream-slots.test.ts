import { describe, expect, it } from 'vitest';
import { ApiError } from '../../api/errors.js';
import { createStreamSlots } from '../../api/stream/stream-slots.js';

const holder = (keyId: string, organizationId: string, client = '10.0.0.1') => ({ keyId, organizationId, client });

function refusal(take: () => unknown): ApiError {
  try {
    take();
  } catch (error) {
    if (error instanceof ApiError) return error as ApiError;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('createStreamSlots', () => {
  it('stream slots refuse a key past its limit with a 429 naming the setting, and take it again once one is given back', () => {
    const slots = createStreamSlots({ perKey: 2, perOrganization: 0, perClient: 0 });
    const first = slots.acquire(holder('key_a', 'org_a'));
    slots.acquire(holder('key_a', 'org_a'));
    const error = refusal(() => slots.acquire(holder('key_a', 'org_a')));
    expect(error.statusCode).toBe(429);
    expect(error.code).toBe('stream_limit_reached');
    expect(error.message).toContain('API_STREAMS_PER_KEY');
    // Another key is counted apart.
    slots.acquire(holder('key_b', 'org_a'));
    first();
    first(); // twice is once
    slots.acquire(holder('key_a', 'org_a'));
    expect(() => slots.acquire(holder('key_a', 'org_a'))).toThrow(ApiError);
  });

  it('stream slots count an organization across its keys, and a client address across organizations', () => {
    const slots = createStreamSlots({ perKey: 0, perOrganization: 2, perClient: 3 });
    slots.acquire(holder('key_a', 'org_a', '10.0.0.1'));
    slots.acquire(holder('key_b', 'org_a', '10.0.0.2'));
    expect(refusal(() => slots.acquire(holder('key_c', 'org_a', '10.0.0.3'))).message).toContain('API_STREAMS_PER_ORG');
    slots.acquire(holder('key_d', 'org_b', '10.0.0.1'));
    slots.acquire(holder('key_e', 'org_c', '10.0.0.1'));
    expect(refusal(() => slots.acquire(holder('key_f', 'org_d', '10.0.0.1'))).message).toContain('API_STREAMS_PER_CLIENT');
    // A refused acquire holds nothing: org_d still has its full allowance from another address.
    slots.acquire(holder('key_f', 'org_d', '10.0.0.9'));
    slots.acquire(holder('key_f', 'org_d', '10.0.0.8'));
  });

  it('stream slots with every limit 0 limit nothing', () => {
    const slots = createStreamSlots({ perKey: 0, perOrganization: 0, perClient: 0 });
    for (let i = 0; i < 1000; i++) slots.acquire(holder('key_a', 'org_a'));
  });
});
