import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { StackEndpoints } from '../../stack/index.js';
import { versions } from '../../stack/versions.js';

/**
 * The Docker path of the test stack: the images and settings of docker-compose.yml, started with
 * testcontainers. Used only where Java is missing and a Docker engine answers; machines without
 * a Docker engine never load testcontainers.
 */
export async function dockerAnswers(): Promise<boolean> {
  try {
    await promisify(execFile)('docker', ['info'], { timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

export async function startContainers(): Promise<{ endpoints: StackEndpoints; stop: () => Promise<void> }> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const kafka = await new GenericContainer(`apache/kafka:${versions.kafka}`)
    .withExposedPorts({ container: 9092, host: 9092 })
    .withEnvironment({
      KAFKA_NODE_ID: '1',
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_LISTENERS: 'PLAINTEXT://0.0.0.0:9092,CONTROLLER://0.0.0.0:9093',
      KAFKA_ADVERTISED_LISTENERS: 'PLAINTEXT://127.0.0.1:9092',
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
      KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
    })
    .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
    .start();
  const registry = await new GenericContainer(`apicurio/apicurio-registry:${versions.apicurio}`)
    .withExposedPorts({ container: 8080, host: 8081 })
    .withEnvironment({ APICURIO_RULES_GLOBAL_COMPATIBILITY: 'BACKWARD' })
    .withWaitStrategy(Wait.forHttp('/apis/ccompat/v7/subjects', 8080))
    .start();
  const postgres = await new GenericContainer(`postgres:${versions.postgresImage}`)
    .withExposedPorts({ container: 5432, host: 5432 })
    .withEnvironment({ POSTGRES_PASSWORD: 'postgres', POSTGRES_DB: 'event_pipeline' })
    .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
    .start();
  return {
    endpoints: {
      kafkaBrokers: ['127.0.0.1:9092'],
      schemaRegistryUrl: 'http://127.0.0.1:8081/apis/ccompat/v7',
      databaseUrl: 'postgres://postgres:postgres@127.0.0.1:5432/event_pipeline',
    },
    stop: async () => {
      await Promise.all([kafka.stop(), registry.stop(), postgres.stop()]);
    },
  };
}
