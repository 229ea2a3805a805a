import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { kafkaReleaseSpecs, versions } from '../../stack/versions.js';

const compose = fs.readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8');
// The stack's images; the pipeline's own image (built from the Dockerfile) is event-pipeline:local.
const images = [...compose.matchAll(/image:\s*(\S+)/g)].map((match) => match[1]).filter((image) => image !== 'event-pipeline:local');

describe('docker-compose.yml', () => {
  it('runs the versions the local stack runs', () => {
    expect(images).toEqual([
      `apache/kafka:\${EVP_KAFKA_VERSION:-${versions.kafka}}`,
      `apicurio/apicurio-registry:${versions.apicurio}`,
      `postgres:${versions.postgresImage}`,
    ]);
  });

  it('runs another Kafka release the stack knows when EVP_KAFKA_VERSION names it', () => {
    expect(Object.keys(kafkaReleaseSpecs)).toContain(versions.kafka);
    expect(Object.keys(kafkaReleaseSpecs).length).toBeGreaterThan(1);
    expect(compose).toContain('image: apache/kafka:${EVP_KAFKA_VERSION:-');
  });

  it('builds the pipeline services from the Dockerfile and runs each of them', () => {
    for (const service of ['setup', 'materializer', 'streamer', 'api', 'demo']) expect(compose).toMatch(new RegExp(`^  ${service}:$`, 'm'));
    expect(compose).toContain('build: .');
  });

  it('publishes the local stack ports on loopback', () => {
    for (const port of ['127.0.0.1:9092:9092', '127.0.0.1:8081:8080', '127.0.0.1:5432:5432']) expect(compose).toContain(port);
  });
});
