import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import type { Authenticator } from '../../api/auth.js';
import type { ApiInstance } from '../../api/context.js';
import { handleError, unauthorized } from '../../api/errors.js';
import { createRateLimits } from '../../api/rate-limit.js';

/**
 * The failed-authentication limit on its own, over an authenticator whose answers the test
 * releases, so the order of checks is the test's and not the database's.
 */
const held: (() => void)[] = [];
const auth: Authenticator = {
  async authenticate(request) {
    const key = request.headers.authorization;
    if (key === 'Bearer right') {
      await new Promise<void>((resolve) => held.push(resolve));
      return { id: 'key_1', organizationId: 'org_1', name: null, scopes: ['admin'] };
    }
    throw unauthorized('api_key_invalid', 'Invalid API key.');
  },
};

const app = Fastify() as unknown as ApiInstance;
afterAll(() => app.close());
const limits = await createRateLimits(app, auth, { perKey: 0, authFailuresPerIp: 3, windowMs: 60_000 });
app.setErrorHandler(handleError);
app.get('/api/v1/thing', async (request, reply) => {
  await limits.authenticate(request, reply);
  return { ok: true };
});
await app.ready();

const get = (key: string) => app.inject({ method: 'GET', url: '/api/v1/thing', headers: { authorization: `Bearer ${key}` } });

describe('failed authentications per address', () => {
  it('answer a right key 429 when the guesses sent with it used up the failures while it was checked', async () => {
    const right = get('right');
    await expect.poll(() => held.length).toBe(1);
    for (let i = 0; i < 3; i++) expect((await get(`wrong${String(i)}`)).statusCode).toBe(401);
    (held.shift() as () => void)();
    const answer = await right;
    expect(answer.statusCode).toBe(429);
    expect(answer.json()).toMatchObject({ error: { code: 'rate_limited' } });
  });
});
