import { describe, expect, it } from 'vitest';
import { createWebhookSecret, signatureHeader, signWebhook, verifyWebhook } from '../../core/webhook-signature.js';

// The Standard Webhooks specification's published test vector.
const vector = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

describe('signWebhook', () => {
  it('reproduces the Standard Webhooks test vector', () => {
    expect(signWebhook(vector.secret, vector.id, vector.timestamp, vector.body)).toBe(vector.signature);
  });

  it('signs with every live secret during a rotation, and each verifies on its own', () => {
    const next = createWebhookSecret();
    const header = signatureHeader([next, vector.secret], vector.id, vector.timestamp, vector.body);
    expect(header.split(' ')).toHaveLength(2);
    expect(header.split(' ')[1]).toBe(vector.signature);
    expect(verifyWebhook(vector.secret, header, vector.id, vector.timestamp, vector.body)).toBe(true);
    expect(verifyWebhook(next, header, vector.id, vector.timestamp, vector.body)).toBe(true);
  });

  it('does not verify a changed body, id, timestamp or another secret', () => {
    const header = vector.signature;
    expect(verifyWebhook(vector.secret, header, vector.id, vector.timestamp, '{"test": 2432232315}')).toBe(false);
    expect(verifyWebhook(vector.secret, header, 'msg_other', vector.timestamp, vector.body)).toBe(false);
    expect(verifyWebhook(vector.secret, header, vector.id, vector.timestamp + 1, vector.body)).toBe(false);
    expect(verifyWebhook(createWebhookSecret(), header, vector.id, vector.timestamp, vector.body)).toBe(false);
  });

  it('makes secrets of the whsec_ shape, and refuses a secret of another shape', () => {
    expect(createWebhookSecret()).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(createWebhookSecret()).not.toBe(createWebhookSecret());
    expect(() => signWebhook('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_1', 1, '{}')).toThrow(/whsec_/);
    expect(() => signWebhook('whsec_c2hvcnQ=', 'msg_1', 1, '{}')).toThrow(/16 bytes/);
  });
});
