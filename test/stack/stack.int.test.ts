import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../adapters/config.js';
import { createTestLogger } from '../harness/log-sink.js';
import { stackStatus, stackUp } from '../../stack/index.js';

const config = loadConfig();
const logger = createTestLogger('silent');

describe('stack up', () => {
  it('reuses every running service the second time and starts nothing', async () => {
    const before = await stackStatus(config, logger);
    const again = await stackUp(config, logger);
    expect(again.started).toEqual([]);
    expect(again.services.map((service) => service.state)).toEqual(['up', 'up', 'up']);
    // The same processes answer: nothing was restarted.
    const pids = (services: readonly { name: string; pid?: number }[]) => Object.fromEntries(services.map((s) => [s.name, s.pid]));
    expect(pids(again.services)).toEqual(pids(before));
  });

  it('reports the three endpoints the harness received', async () => {
    const status = await stackStatus(config, logger);
    expect(Object.fromEntries(status.map((service) => [service.name, service.state]))).toEqual({
      kafka: 'up',
      registry: 'up',
      postgres: 'up',
    });
  });
});
