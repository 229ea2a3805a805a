import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { dataDirOf, dataSettings } from './data.js';
import { optionalPort, optionalText, port, settingGroup, type SettingValues } from './setting.js';

/**
 * The Kafka releases the local stack can run; stack/versions.ts says what each one needs (its pom,
 * its logging backend). The first is the default, and the one docker-compose.yml runs.
 */
export const kafkaReleases = ['3.9.2', '4.4.0'] as const;
export type KafkaRelease = (typeof kafkaReleases)[number];

const heapSize = z.string().regex(/^\d+[kmg]$/i, 'must be a JVM heap size such as 512m or 1g');

const settings = {
  EVP_CACHE_DIR: { schema: optionalText, doc: 'downloaded Kafka jars and registry archive', shownDefault: '`~/.cache/event-pipeline`' },
  EVP_KAFKA_NODES: {
    schema: z
      .enum(['1', '3'], { error: 'must be 1 (a single node) or 3 (a cluster that survives one dead node), e.g. 3' })
      .default('1')
      .transform((value): 1 | 3 => (value === '3' ? 3 : 1)),
    doc: 'local Kafka nodes, each a KRaft broker and controller: 1, or 3 for a cluster (`evp stack up --brokers 3`)',
  },
  EVP_KAFKA_VERSION: {
    schema: z
      .enum(kafkaReleases, { error: `must be a Kafka release the local stack runs: ${kafkaReleases.join(' or ')}, e.g. 4.4.0` })
      .default(kafkaReleases[0]),
    doc: 'the Kafka release the local stack runs: 3.9.2, or 4.4.0 (Kafka 4); each release keeps its own jars and data',
  },
  EVP_KAFKA_PORT: { schema: port(9092), doc: "local Kafka's client port on 127.0.0.1; node n of a cluster uses this + 2(n-1)" },
  EVP_KAFKA_CONTROLLER_PORT: {
    schema: port(9093),
    doc: "local Kafka's KRaft controller port on 127.0.0.1; node n of a cluster uses this + 2(n-1)",
  },
  EVP_KAFKA_SECURE_PORT: {
    // Its default follows EVP_KAFKA_PORT, so a second stack moved to other ports moves these too.
    schema: optionalPort(9192),
    doc: "the first of local Kafka's secured listener ports: SASL_SSL, SSL with client certificates and SASL_PLAINTEXT on this, + 1 and + 2; node n of a cluster uses this + 3(n-1)",
    shownDefault: '`EVP_KAFKA_PORT` + 100, `9192`',
  },
  EVP_KAFKA_HEAP: {
    // Its default depends on the number of nodes.
    schema: optionalText.pipe(heapSize.optional()),
    doc: "each local Kafka node's JVM heap, as `-Xmx`",
    shownDefault: '`512m`, `384m` per node of a cluster',
  },
  EVP_REGISTRY_PORT: { schema: port(8081), doc: "the local registry's HTTP port on 127.0.0.1" },
  EVP_REGISTRY_MANAGEMENT_PORT: { schema: port(8082), doc: "the local registry's management port (health, metrics)" },
  EVP_REGISTRY_HEAP: { schema: heapSize.default('512m'), doc: "the local registry's JVM heap, as `-Xmx`" },
  EVP_REGISTRY_JAVA_HOME: { schema: optionalText, doc: 'a JDK (21 or newer) for the registry', shownDefault: 'searched' },
  JAVA_HOME: { schema: optionalText, doc: 'the JDK for Kafka', shownDefault: '`java` on the PATH' },
  EVP_POSTGRES_PORT: {
    schema: port(5432),
    doc: "the PostgreSQL port probed on 127.0.0.1, and the embedded server's port when none answers",
  },
  EVP_STACK_TIMEOUT_MS: {
    schema: z.coerce
      .number({ error: 'must be a number of milliseconds, e.g. 90000' })
      .int()
      .min(1000, 'must be at least 1000 ms')
      .default(90_000),
    doc: 'how long `stack up` waits for each service to answer, in ms',
  },
};

/** The first secured listener port: EVP_KAFKA_SECURE_PORT, or 100 above the client port. */
function securePortOf(e: SettingValues<typeof settings>): number {
  return e.EVP_KAFKA_SECURE_PORT ?? e.EVP_KAFKA_PORT + 100;
}

/**
 * Node n of the local Kafka listens on EVP_KAFKA_PORT + 2(n-1) and EVP_KAFKA_CONTROLLER_PORT + 2(n-1)
 * (stack/kafka-config.ts): no port may serve two listeners, none may pass 65535.
 */
function checkKafkaPorts(e: SettingValues<typeof settings>, check: z.RefinementCtx): void {
  const clients = Array.from({ length: e.EVP_KAFKA_NODES }, (_, index) => e.EVP_KAFKA_PORT + 2 * index);
  const controllers = Array.from({ length: e.EVP_KAFKA_NODES }, (_, index) => e.EVP_KAFKA_CONTROLLER_PORT + 2 * index);
  const layout = 'node n uses EVP_KAFKA_PORT + 2(n-1) and EVP_KAFKA_CONTROLLER_PORT + 2(n-1)';
  const clash = clients.find((port) => controllers.includes(port));
  if (clash !== undefined) {
    check.addIssue({
      code: 'custom',
      path: ['EVP_KAFKA_CONTROLLER_PORT'],
      message: `gives port ${clash} to both a client and a controller listener of the ${e.EVP_KAFKA_NODES}-node Kafka (${layout}); choose ports an odd number apart, e.g. 9092 and 9093`,
    });
  }
  const secured = Array.from({ length: e.EVP_KAFKA_NODES * 3 }, (_, index) => securePortOf(e) + index);
  const taken = secured.find((port) => clients.includes(port) || controllers.includes(port));
  if (taken !== undefined) {
    check.addIssue({
      code: 'custom',
      path: ['EVP_KAFKA_SECURE_PORT'],
      message: `gives port ${taken} to a secured listener and to a client or controller listener of the ${e.EVP_KAFKA_NODES}-node Kafka (the secured listeners take ${e.EVP_KAFKA_NODES * 3} ports from it); choose one clear of both, e.g. 9192`,
    });
  }
  const highest = Math.max(...clients, ...controllers, ...secured);
  if (highest > 65535) {
    check.addIssue({
      code: 'custom',
      path: [
        // A secured port derived from the client port is the client port's fault.
        controllers.includes(highest) && !clients.includes(highest) && !secured.includes(highest)
          ? 'EVP_KAFKA_CONTROLLER_PORT'
          : secured.includes(highest) && e.EVP_KAFKA_SECURE_PORT !== undefined
            ? 'EVP_KAFKA_SECURE_PORT'
            : 'EVP_KAFKA_PORT',
      ],
      message: `leaves no room for ${e.EVP_KAFKA_NODES} Kafka nodes below port 65536 (${layout}), e.g. 9092`,
    });
  }
}

/** The local stack (`evp stack up`): where it keeps its files, which ports it binds, how its JVMs run. */
export const stackSettings = settingGroup({
  name: 'stack',
  settings,
  reads: dataSettings.settings,
  check: checkKafkaPorts,
  build: (e) => ({
    stack: {
      /** Data, pid files and logs of the services the stack starts. */
      dataDir: dataDirOf(e.EVP_DATA_DIR),
      cacheDir: path.resolve(e.EVP_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'event-pipeline')),
      kafkaVersion: e.EVP_KAFKA_VERSION,
      kafkaNodes: e.EVP_KAFKA_NODES,
      kafkaPort: e.EVP_KAFKA_PORT,
      kafkaControllerPort: e.EVP_KAFKA_CONTROLLER_PORT,
      kafkaSecurePort: securePortOf(e),
      // Three JVMs share the machine: a smaller heap each is plenty for a development cluster.
      kafkaHeap: e.EVP_KAFKA_HEAP ?? (e.EVP_KAFKA_NODES === 3 ? '384m' : '512m'),
      registryPort: e.EVP_REGISTRY_PORT,
      registryManagementPort: e.EVP_REGISTRY_MANAGEMENT_PORT,
      registryHeap: e.EVP_REGISTRY_HEAP,
      registryJavaHome: e.EVP_REGISTRY_JAVA_HOME,
      javaHome: e.JAVA_HOME,
      postgresPort: e.EVP_POSTGRES_PORT,
      readyTimeoutMs: e.EVP_STACK_TIMEOUT_MS,
    },
  }),
});
