import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../adapters/config.js';
import { createClusterId, kafkaNodeAddresses, parseMetaClusterId, renderServerProperties } from '../../stack/kafka-config.js';
import { kafkaNodePaths, stackPaths } from '../../stack/paths.js';

const secured = { brokerPem: '/secure/broker.pem', caPem: '/secure/ca.pem', username: 'evp', password: 'pw' };

function parse(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split('\n')
      .filter((line) => line && !line.startsWith('#'))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

describe('renderServerProperties for a single node', () => {
  const nodes = kafkaNodeAddresses({ kafkaPort: 19092, kafkaControllerPort: 19093, kafkaSecurePort: 19192, kafkaNodes: 1 });
  const properties = parse(renderServerProperties({ nodeId: 1, nodes, dataDir: '/data/kafka', secured }));

  it('configures a single-node KRaft broker and controller on loopback', () => {
    expect(properties).toMatchObject({
      'process.roles': 'broker,controller',
      'node.id': '1',
      'controller.quorum.voters': '1@127.0.0.1:19093',
      listeners:
        'PLAINTEXT://127.0.0.1:19092,SASL_SSL://127.0.0.1:19192,SSL://127.0.0.1:19193,SASL_PLAINTEXT://127.0.0.1:19194,CONTROLLER://127.0.0.1:19093',
      'advertised.listeners':
        'PLAINTEXT://127.0.0.1:19092,SASL_SSL://127.0.0.1:19192,SSL://127.0.0.1:19193,SASL_PLAINTEXT://127.0.0.1:19194',
      'log.dirs': '/data/kafka',
    });
  });

  it('secures its other listeners: TLS from the PEM files, client certificates on SSL, PLAIN and SCRAM on both SASL ones', () => {
    expect(properties).toMatchObject({
      'inter.broker.listener.name': 'PLAINTEXT',
      'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
      'ssl.keystore.type': 'PEM',
      'ssl.keystore.location': '/secure/broker.pem',
      'ssl.truststore.location': '/secure/ca.pem',
      'listener.name.ssl.ssl.client.auth': 'required',
    });
    for (const listener of ['sasl_ssl', 'sasl_plaintext']) {
      expect(properties[`listener.name.${listener}.plain.sasl.jaas.config`]).toBe(
        'org.apache.kafka.common.security.plain.PlainLoginModule required user_evp="pw";',
      );
      expect(properties[`listener.name.${listener}.scram-sha-512.sasl.jaas.config`]).toMatch(/ScramLoginModule required;$/);
    }
    // OAUTHBEARER on SASL_PLAINTEXT only (Kafka's unsecured validator, for tests of the client side).
    expect(properties['listener.name.sasl_plaintext.sasl.enabled.mechanisms']).toBe('PLAIN,SCRAM-SHA-256,SCRAM-SHA-512,OAUTHBEARER');
    expect(properties['listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config']).toMatch(/OAuthBearerLoginModule required/);
    expect(properties['listener.name.sasl_ssl.sasl.enabled.mechanisms']).toBeUndefined();
  });

  it('sets every internal topic replication factor to 1 and no rebalance delay', () => {
    expect(properties).toMatchObject({
      'default.replication.factor': '1',
      'min.insync.replicas': '1',
      'offsets.topic.replication.factor': '1',
      'transaction.state.log.replication.factor': '1',
      'transaction.state.log.min.isr': '1',
      'group.initial.rebalance.delay.ms': '0',
      'auto.create.topics.enable': 'false',
    });
  });

  it('lets a killed node come back sooner than Kafka defaults do', () => {
    expect(Number(properties['broker.session.timeout.ms'])).toBeLessThan(9000);
    expect(Number(properties['broker.heartbeat.interval.ms'])).toBeLessThan(Number(properties['broker.session.timeout.ms']));
    expect(properties['num.recovery.threads.per.data.dir']).toBe('2');
  });
});

describe('renderServerProperties for a three-node cluster', () => {
  const nodes = kafkaNodeAddresses({ kafkaPort: 9092, kafkaControllerPort: 9093, kafkaSecurePort: 9192, kafkaNodes: 3 });
  const all = [1, 2, 3].map((nodeId) => parse(renderServerProperties({ nodeId, nodes, dataDir: `/data/node-${nodeId}`, secured })));

  it('gives node n the client port 9092 + 2(n-1) and the controller port 9093 + 2(n-1)', () => {
    expect(nodes).toEqual([
      { nodeId: 1, port: 9092, controllerPort: 9093, secured: { saslSsl: 9192, ssl: 9193, saslPlaintext: 9194 } },
      { nodeId: 2, port: 9094, controllerPort: 9095, secured: { saslSsl: 9195, ssl: 9196, saslPlaintext: 9197 } },
      { nodeId: 3, port: 9096, controllerPort: 9097, secured: { saslSsl: 9198, ssl: 9199, saslPlaintext: 9200 } },
    ]);
    const plaintext = (listeners = '') =>
      listeners
        .split(',')
        .filter((listener) => /^(PLAINTEXT|CONTROLLER):/.test(listener))
        .join(',');
    expect(
      all.map((properties) => [properties['node.id'], plaintext(properties['listeners']), plaintext(properties['advertised.listeners'])]),
    ).toEqual([
      ['1', 'PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093', 'PLAINTEXT://127.0.0.1:9092'],
      ['2', 'PLAINTEXT://127.0.0.1:9094,CONTROLLER://127.0.0.1:9095', 'PLAINTEXT://127.0.0.1:9094'],
      ['3', 'PLAINTEXT://127.0.0.1:9096,CONTROLLER://127.0.0.1:9097', 'PLAINTEXT://127.0.0.1:9096'],
    ]);
  });

  it('makes every node a broker and a voter of the same three-voter quorum, each with its own log directory', () => {
    for (const properties of all) {
      expect(properties['process.roles']).toBe('broker,controller');
      expect(properties['controller.quorum.voters']).toBe('1@127.0.0.1:9093,2@127.0.0.1:9095,3@127.0.0.1:9097');
    }
    expect(all.map((properties) => properties['log.dirs'])).toEqual(['/data/node-1', '/data/node-2', '/data/node-3']);
  });

  it('keeps three copies of everything and needs two for a write acknowledged by all', () => {
    for (const properties of all) {
      expect(properties).toMatchObject({
        'default.replication.factor': '3',
        'min.insync.replicas': '2',
        'offsets.topic.replication.factor': '3',
        'transaction.state.log.replication.factor': '3',
        'transaction.state.log.min.isr': '2',
      });
    }
  });

  it('refuses a node that is not one of the cluster', () => {
    expect(() => renderServerProperties({ nodeId: 4, nodes, dataDir: '/data/node-4', secured })).toThrow(/node 4/);
  });
});

describe('the local kafka settings', () => {
  it('default to one node of 512m, and 384m per node for three', () => {
    expect(loadConfig({}).stack).toMatchObject({ kafkaNodes: 1, kafkaHeap: '512m' });
    expect(loadConfig({ EVP_KAFKA_NODES: '3' }).stack).toMatchObject({ kafkaNodes: 3, kafkaHeap: '384m' });
    expect(loadConfig({ EVP_KAFKA_NODES: '3', EVP_KAFKA_HEAP: '1g' }).stack.kafkaHeap).toBe('1g');
  });

  it('refuses other node counts, naming the variable', () => {
    expect(() => loadConfig({ EVP_KAFKA_NODES: '2' })).toThrow(/EVP_KAFKA_NODES="2": must be 1 .* or 3/);
  });

  it('refuses ports where one node would take another one’s controller port', () => {
    expect(() => loadConfig({ EVP_KAFKA_NODES: '3', EVP_KAFKA_PORT: '9092', EVP_KAFKA_CONTROLLER_PORT: '9094' })).toThrow(
      /EVP_KAFKA_CONTROLLER_PORT="9094": gives port 9094 to both a client and a controller listener/,
    );
    expect(() => loadConfig({ EVP_KAFKA_PORT: '9092', EVP_KAFKA_CONTROLLER_PORT: '9092' })).toThrow(/EVP_KAFKA_CONTROLLER_PORT="9092"/);
    expect(() => loadConfig({ EVP_KAFKA_NODES: '3', EVP_KAFKA_PORT: '9092', EVP_KAFKA_CONTROLLER_PORT: '9095' })).not.toThrow();
  });

  it('refuses a cluster whose last ports would pass 65535', () => {
    expect(() => loadConfig({ EVP_KAFKA_NODES: '3', EVP_KAFKA_PORT: '65532', EVP_KAFKA_CONTROLLER_PORT: '9093' })).toThrow(
      /EVP_KAFKA_PORT="65532": leaves no room for 3 Kafka nodes/,
    );
  });

  it('moves the secured listeners with the client port unless told where they go', () => {
    expect(loadConfig({}).stack.kafkaSecurePort).toBe(9192);
    expect(loadConfig({ EVP_KAFKA_PORT: '29092', EVP_KAFKA_CONTROLLER_PORT: '29093' }).stack.kafkaSecurePort).toBe(29192);
    expect(loadConfig({ EVP_KAFKA_PORT: '29092', EVP_KAFKA_SECURE_PORT: '40000' }).stack.kafkaSecurePort).toBe(40000);
    expect(() => loadConfig({ EVP_KAFKA_PORT: '9092', EVP_KAFKA_SECURE_PORT: '9093' })).toThrow(
      /EVP_KAFKA_SECURE_PORT="9093": gives port 9093 to a secured listener and to a client or controller listener/,
    );
    expect(() => loadConfig({ EVP_KAFKA_SECURE_PORT: 'high' })).toThrow(/EVP_KAFKA_SECURE_PORT="high": must be a port number/);
  });

  it('keep the single node in <data>/kafka and put each node of a cluster in its own folder', () => {
    const paths = stackPaths(loadConfig({ EVP_DATA_DIR: '/srv/evp' }).stack);
    expect(kafkaNodePaths(paths, 1, 1)).toMatchObject({
      dir: '/srv/evp/kafka',
      data: '/srv/evp/kafka/data',
      pid: '/srv/evp/kafka/kafka.pid',
    });
    expect([1, 2, 3].map((nodeId) => kafkaNodePaths(paths, 3, nodeId).dir)).toEqual([
      '/srv/evp/kafka-cluster/node-1',
      '/srv/evp/kafka-cluster/node-2',
      '/srv/evp/kafka-cluster/node-3',
    ]);
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

describe('parseMetaClusterId', () => {
  it('reads the cluster id a formatted log directory records', () => {
    expect(parseMetaClusterId('#\n#Tue Dec 01\nnode.id=2\ndirectory.id=abc\nversion=1\ncluster.id=MbOoyJjfR3aQJmgHUDzLEQ\n')).toBe(
      'MbOoyJjfR3aQJmgHUDzLEQ',
    );
    expect(parseMetaClusterId('version=1\n')).toBeUndefined();
  });
});
