import { describe, expect, it } from 'vitest';
import { createBrokerGuard } from '../../../destinations/kafka/guard.js';

const policy = { ownBrokers: ['kafka.internal:9092'], allowedBrokers: ['kafka-b.public.example'], topicPrefix: 'events' };
const guard = createBrokerGuard(policy, () => Promise.resolve([]));

describe('kafka broker guard', () => {
  it("kafka guard refuses a cluster with the pipeline's own id in words that name the setting", () => {
    expect(guard.checkCluster(['kafka-a.public.example:9094'], 'copy', 'own-id', 'own-id')).toEqual({
      code: 'destination_refused',
      message:
        "the Kafka cluster at kafka-a.public.example:9094 is the pipeline's own Kafka cluster (the same cluster id); nothing was sent. The operator must list its brokers in DESTINATION_ALLOWED_KAFKA_BROKERS to allow it",
    });
    expect(guard.checkCluster(['kafka-a.public.example:9094'], 'copy', 'tenant-id', 'own-id')).toBeUndefined();
    expect(guard.checkCluster(['kafka-a.public.example:9094'], 'copy', null, 'own-id')).toBeUndefined();
  });

  it("kafka guard keeps the pipeline's topics on its own cluster when the brokers are allowed", () => {
    expect(guard.checkCluster(['kafka-b.public.example:9094'], 'copy', 'own-id', 'own-id')).toBeUndefined();
    expect(guard.checkCluster(['kafka-b.public.example:9094'], 'events.invoice', 'own-id', 'own-id')?.message).toBe(
      "events.invoice is one of the pipeline's own topics (events.*) and the Kafka cluster at kafka-b.public.example:9094 is the pipeline's own Kafka cluster (the same cluster id); nothing was sent. Choose a topic outside them",
    );
    expect(guard.checkCluster(['kafka-b.public.example:9094'], '__consumer_offsets', 'own-id', 'own-id')?.message).toMatch(
      /internal topics/,
    );
  });
});
