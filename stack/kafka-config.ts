import { randomUUID } from 'node:crypto';

/**
 * Where the nodes of the local Kafka listen. Node n (1-based) takes the client port
 * `kafkaPort + 2(n-1)` and the controller port `kafkaControllerPort + 2(n-1)`: with the defaults the
 * pairs interleave (9092/9093, 9094/9095, 9096/9097), so a single node keeps the ports it always had
 * and no node lands on another's controller port. `loadConfig` rejects settings where they collide.
 */
export interface KafkaLayout {
  readonly kafkaPort: number;
  readonly kafkaControllerPort: number;
  /** The first of each node's three secured listeners' ports (SASL_SSL, SSL with client certificates, SASL_PLAINTEXT). */
  readonly kafkaSecurePort: number;
  /** 1, or 3 for a cluster. */
  readonly kafkaNodes: number;
}

/** Each node's secured listeners, as the local stack names them: what clients of a managed cluster meet. */
export interface SecuredPorts {
  /** SASL (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512) over TLS. */
  readonly saslSsl: number;
  /** TLS that requires a client certificate (mTLS). */
  readonly ssl: number;
  /** SASL without TLS. */
  readonly saslPlaintext: number;
}

export interface KafkaNodeAddress {
  readonly nodeId: number;
  /** Client (PLAINTEXT) port on 127.0.0.1. */
  readonly port: number;
  /** KRaft controller port on 127.0.0.1. */
  readonly controllerPort: number;
  readonly secured: SecuredPorts;
}

/** The step between one node's ports and the next one's. */
export const kafkaPortStride = 2;
/** The step between one node's secured ports and the next one's: three listeners each. */
export const kafkaSecuredStride = 3;

export function kafkaNodeAddresses(layout: KafkaLayout): KafkaNodeAddress[] {
  return Array.from({ length: layout.kafkaNodes }, (_, index) => {
    const secured = layout.kafkaSecurePort + kafkaSecuredStride * index;
    return {
      nodeId: index + 1,
      port: layout.kafkaPort + kafkaPortStride * index,
      controllerPort: layout.kafkaControllerPort + kafkaPortStride * index,
      secured: { saslSsl: secured, ssl: secured + 1, saslPlaintext: secured + 2 },
    };
  });
}

/**
 * Replication settings for a cluster of `nodes` brokers: three copies of everything once there are
 * three brokers, and a write acknowledged by all (acks=all) needs two of them, so one node may die
 * without losing an acknowledged record or refusing writes. A single node keeps one copy.
 */
export function replicationFor(nodes: number): { replicationFactor: number; minInsyncReplicas: number } {
  const replicationFactor = Math.min(3, nodes);
  return { replicationFactor, minInsyncReplicas: replicationFactor >= 3 ? 2 : 1 };
}

/** The files and the user behind the secured listeners (stack/kafka-secure.ts makes them). */
export interface SecuredListenerFiles {
  /** The broker's private key and certificate chain, PEM, in one file. */
  readonly brokerPem: string;
  /** The CA that signed the broker's and the client's certificates, PEM. */
  readonly caPem: string;
  readonly username: string;
  readonly password: string;
}

export interface KafkaServerSettings {
  /** This node's id. */
  readonly nodeId: number;
  /** Every node of the cluster, this one included: all are KRaft voters. */
  readonly nodes: readonly KafkaNodeAddress[];
  readonly dataDir: string;
  readonly secured: SecuredListenerFiles;
}

/** A JAAS value as server.properties holds it: quoted, with the quote and backslash escaped. */
function jaasQuoted(value: string): string {
  return `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

/**
 * The secured listeners' part of server.properties: TLS from PEM files, client certificates
 * required on the SSL listener, and on both SASL listeners PLAIN (its one user in the JAAS entry)
 * and SCRAM (users stored in the cluster's metadata, created when the storage is formatted). The
 * SASL_PLAINTEXT listener offers OAUTHBEARER too, checked by Kafka's unsecured validator (unsigned
 * tokens with `sub` and `exp`: for tests of the client side only), and SASL_SSL does not, so a
 * client can be shown a mechanism a listener lacks.
 */
function securedListenerProperties(secured: SecuredListenerFiles): Record<string, string> {
  const plain = `org.apache.kafka.common.security.plain.PlainLoginModule required user_${secured.username}=${jaasQuoted(secured.password)};`;
  const scram = 'org.apache.kafka.common.security.scram.ScramLoginModule required;';
  const perListener = Object.fromEntries(
    ['sasl_ssl', 'sasl_plaintext'].flatMap((listener) => [
      [`listener.name.${listener}.plain.sasl.jaas.config`, plain],
      [`listener.name.${listener}.scram-sha-256.sasl.jaas.config`, scram],
      [`listener.name.${listener}.scram-sha-512.sasl.jaas.config`, scram],
    ]),
  );
  return {
    'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
    'listener.name.sasl_plaintext.sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512,OAUTHBEARER',
    'listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config':
      'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="broker";',
    'ssl.keystore.type': 'PEM',
    'ssl.keystore.location': secured.brokerPem,
    'ssl.truststore.type': 'PEM',
    'ssl.truststore.location': secured.caPem,
    'listener.name.ssl.ssl.client.auth': 'required',
    ...perListener,
  };
}

/**
 * server.properties for one KRaft node that is both broker and controller. Every node of the
 * cluster votes (`controller.quorum.voters` lists them all), so three nodes keep a quorum when one
 * dies. The internal topics' replication follows `replicationFor`, or consumer groups and
 * transactions never find a coordinator on a single node.
 */
export function renderServerProperties(settings: KafkaServerSettings): string {
  const self = settings.nodes.find((node) => node.nodeId === settings.nodeId);
  if (!self) throw new Error(`node ${settings.nodeId} is not one of the cluster's nodes`);
  const { replicationFactor, minInsyncReplicas } = replicationFor(settings.nodes.length);
  const clientListeners = [
    `PLAINTEXT://127.0.0.1:${self.port}`,
    `SASL_SSL://127.0.0.1:${self.secured.saslSsl}`,
    `SSL://127.0.0.1:${self.secured.ssl}`,
    `SASL_PLAINTEXT://127.0.0.1:${self.secured.saslPlaintext}`,
  ].join(',');
  const lines: Record<string, string | number | boolean> = {
    'process.roles': 'broker,controller',
    'node.id': self.nodeId,
    'controller.quorum.voters': settings.nodes.map((node) => `${node.nodeId}@127.0.0.1:${node.controllerPort}`).join(','),
    listeners: `${clientListeners},CONTROLLER://127.0.0.1:${self.controllerPort}`,
    'advertised.listeners': clientListeners,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT',
    ...securedListenerProperties(settings.secured),
    'log.dirs': settings.dataDir,
    'num.partitions': 1,
    'default.replication.factor': replicationFactor,
    'min.insync.replicas': minInsyncReplicas,
    'offsets.topic.replication.factor': replicationFactor,
    'offsets.topic.num.partitions': 10,
    'transaction.state.log.replication.factor': replicationFactor,
    'transaction.state.log.min.isr': minInsyncReplicas,
    'transaction.state.log.num.partitions': 10,
    // Consumers in tests join one at a time; waiting 3 s for more members only slows them.
    'group.initial.rebalance.delay.ms': 0,
    // Topics are created on purpose (`evp topics ensure`, the test harness), never by a typo.
    'auto.create.topics.enable': false,
    'delete.topic.enable': true,
    'log.retention.hours': 168,
    'log.segment.bytes': 64 * 1024 * 1024,
    'num.network.threads': 2,
    'num.io.threads': 4,
    // A node that was killed (no clean-shutdown marker) checks every log before it serves; two
    // threads, one per core, halve that.
    'num.recovery.threads.per.data.dir': 2,
    // A killed node's registration stays valid until its session times out, and until then the
    // controller refuses the restarted node ("DUPLICATE_BROKER_REGISTRATION") and keeps the dead
    // one as leader of its partitions. Kafka's 9 s is tuned for real networks; 4 s (4 missed
    // heartbeats) halves a restart and fails partitions over sooner, and still rides out a busy
    // 2-core machine.
    'broker.heartbeat.interval.ms': 1000,
    'broker.session.timeout.ms': 4000,
  };
  return (
    '# Generated by `evp stack up`; edits are overwritten at the next start.\n' +
    Object.entries(lines)
      .map(([key, value]) => `${key}=${String(value)}`)
      .join('\n') +
    '\n'
  );
}

/** log4j 1 configuration (read by reload4j) sending the broker's log to one rolling file. */
export function renderLog4jProperties(logFile: string): string {
  return [
    'log4j.rootLogger=INFO, file',
    'log4j.appender.file=org.apache.log4j.RollingFileAppender',
    `log4j.appender.file.File=${logFile}`,
    'log4j.appender.file.MaxFileSize=20MB',
    'log4j.appender.file.MaxBackupIndex=3',
    'log4j.appender.file.layout=org.apache.log4j.PatternLayout',
    'log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n',
    'log4j.logger.kafka.request.logger=WARN',
    'log4j.logger.org.apache.kafka.controller=INFO',
    'log4j.logger.state.change.logger=WARN',
    '',
  ].join('\n');
}

/**
 * The same for log4j 2 (Kafka 4), in its properties format, which log4j-core reads without any
 * further jar: one rolling file of 20 MB and three old ones, the same loggers quietened.
 */
export function renderLog4j2Properties(logFile: string): string {
  return [
    'status=warn',
    'appender.file.type=RollingFile',
    'appender.file.name=file',
    `appender.file.fileName=${logFile}`,
    `appender.file.filePattern=${logFile}.%i`,
    'appender.file.layout.type=PatternLayout',
    'appender.file.layout.pattern=[%d] %p %m (%c)%n',
    'appender.file.policies.type=Policies',
    'appender.file.policies.size.type=SizeBasedTriggeringPolicy',
    'appender.file.policies.size.size=20MB',
    'appender.file.strategy.type=DefaultRolloverStrategy',
    'appender.file.strategy.max=3',
    'rootLogger.level=INFO',
    'rootLogger.appenderRef.file.ref=file',
    'logger.request.name=kafka.request.logger',
    'logger.request.level=WARN',
    'logger.controller.name=org.apache.kafka.controller',
    'logger.controller.level=INFO',
    'logger.stateChange.name=state.change.logger',
    'logger.stateChange.level=WARN',
    '',
  ].join('\n');
}

/**
 * A KRaft cluster id: 16 random bytes in unpadded base64url (what `kafka-storage random-uuid`
 * prints). Never one that starts with "-": the storage tool would read it as an option (Kafka's own
 * Uuid.randomUuid draws again for the same reason).
 */
export function createClusterId(): string {
  for (;;) {
    const id = Buffer.from(randomUUID().replaceAll('-', ''), 'hex').toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** The `cluster.id` a formatted log directory's meta.properties records, if any. */
export function parseMetaClusterId(metaProperties: string): string | undefined {
  return /^cluster\.id=(.+)$/m.exec(metaProperties)?.[1]?.trim();
}
