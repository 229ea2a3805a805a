import { describe, expect, it } from 'vitest';
import { createClusterId, renderServerProperties } from '../../stack/kafka-config.js';

describe('renderServerProperties', () => {
  const properties = Object.fromEntries(
    renderServerProperties({ port: 19092, controllerPort: 19093, dataDir: '/data/kafka' })
      .split('\n')
      .filter((line) => line && !line.startsWith('#'))
      .map((line) => line.split('=', 2) as [string, string]),
  );

  it('configures a single-node KRaft broker and controller on loopback', () => {
    expect(properties).toMatchObject({
      'process.roles': 'broker,controller',
      'controller.quorum.voters': '1@127.0.0.1:19093',
      listeners: 'PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093',
      'advertised.listeners': 'PLAINTEXT://127.0.0.1:19092',
      'log.dirs': '/data/kafka',
    });
  });

  it('sets every internal topic replication factor to 1 and no rebalance delay', () => {
    expect(properties).toMatchObject({
      'offsets.topic.replication.factor': '1',
      'transaction.state.log.replication.factor': '1',
      'transaction.state.log.min.isr': '1',
      'group.initial.rebalance.delay.ms': '0',
      'auto.create.topics.enable': 'false',
    });
  });
});

describe('createClusterId', () => {
  it('makes a 22-character base64url id, different each time', () => {
    const id = createClusterId();
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(createClusterId()).not.toBe(id);
  });

  it('never starts one with "-", which the storage tool would take for an option', () => {
    // About one id in 64 would; 5,000 draws meet dozens.
    const ids = Array.from({ length: 5_000 }, () => createClusterId());
    expect(ids.filter((id) => id.startsWith('-'))).toEqual([]);
  });
});
