import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../adapters/config.js';
import { parseResetTo } from '../../cli/materializer.js';

describe('evp materializer --reset-to', () => {
  it('reads earliest and RFC 3339 times', () => {
    expect(parseResetTo('earliest')).toBe('earliest');
    expect(parseResetTo('2026-11-01T00:00:00Z')).toEqual(new Date(Date.UTC(2026, 10, 1)));
    expect(parseResetTo('2026-11-01')).toEqual(new Date(Date.UTC(2026, 10, 1)));
  });
  it('names the flag and the value when it is neither', () => {
    expect(() => parseResetTo('yesterday')).toThrow(
      '--reset-to must be "earliest" or a time such as 2026-11-01T00:00:00Z, got "yesterday"',
    );
    expect(() => parseResetTo('2026-13-45')).toThrow('--reset-to');
    expect(() => parseResetTo('1700000000')).toThrow('--reset-to');
  });
});

describe('materializer configuration', () => {
  it('has defaults, and the group follows the topic prefix', () => {
    const config = loadConfig({ TOPIC_PREFIX: 'acme' });
    expect(config.materializer).toEqual({ groupId: 'acme.materializer', port: 3001, batchSize: 2000, lingerMs: 100, concurrency: 3 });
    expect(config.eventRetentionDays).toBe(90);
    expect(config.databaseSchema).toBe('public');
  });
  it('names every bad variable', () => {
    expect(() =>
      loadConfig({
        EVENT_RETENTION_DAYS: '-1',
        MATERIALIZER_BATCH_SIZE: 'lots',
        MATERIALIZER_CONCURRENCY: '0',
        DATABASE_SCHEMA: 'Robert"; drop',
      }),
    ).toThrow(
      /DATABASE_SCHEMA=[\s\S]*EVENT_RETENTION_DAYS="-1": must be at least 0[\s\S]*MATERIALIZER_BATCH_SIZE="lots"[\s\S]*MATERIALIZER_CONCURRENCY="0"/,
    );
  });
});
