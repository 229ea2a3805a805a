import { describe, expect, it } from 'vitest';
import { healthUrl } from '../../../stack/docker/healthcheck.js';

const evp = ['node', 'dist/cli/evp.js'];

describe('healthUrl', () => {
  it('asks each service on the port it reads', () => {
    expect(healthUrl([...evp, 'api'], {})).toBe('http://127.0.0.1:3000/healthz');
    expect(healthUrl([...evp, 'materializer'], {})).toBe('http://127.0.0.1:3001/healthz');
    expect(healthUrl([...evp, 'streamer'], {})).toBe('http://127.0.0.1:3002/healthz');
    const moved = { API_PORT: '4000', MATERIALIZER_PORT: '4001', STREAMER_PORT: '4002' };
    expect(['api', 'materializer', 'streamer'].map((command) => healthUrl([...evp, command], moved))).toEqual([
      'http://127.0.0.1:4000/healthz',
      'http://127.0.0.1:4001/healthz',
      'http://127.0.0.1:4002/healthz',
    ]);
  });

  it("reads only the settings of the service it checks: another service's wrong setting does not fail it", () => {
    const env = { STREAMER_PORT: 'not a port', STREAMER_RETRY_SCHEDULE_MS: 'soon', MATERIALIZER_BATCH_SIZE: '-1' };
    expect(healthUrl([...evp, 'api'], env)).toBe('http://127.0.0.1:3000/healthz');
    expect(() => healthUrl([...evp, 'streamer'], env)).toThrow(/STREAMER_PORT/);
  });

  it('follows a --port given on the command line', () => {
    expect(healthUrl([...evp, 'api', '--port', '8080'], {})).toBe('http://127.0.0.1:8080/healthz');
    expect(healthUrl([...evp, 'streamer', '--port=9002'], {})).toBe('http://127.0.0.1:9002/healthz');
  });

  it('has nothing to ask for commands without a health endpoint, or on any free port', () => {
    expect(healthUrl([...evp, 'demo', '--rate', '20/s'], {})).toBeUndefined();
    expect(healthUrl(['sh', '-c', 'node dist/cli/evp.js topics ensure && node dist/cli/evp.js schemas register'], {})).toBeUndefined();
    expect(healthUrl([...evp, 'keys', 'create', '--org', 'org_acme'], {})).toBeUndefined();
    expect(healthUrl([...evp, 'materializer'], { MATERIALIZER_PORT: '0' })).toBeUndefined();
    expect(healthUrl(['node', 'other.js'], {})).toBeUndefined();
  });
});
