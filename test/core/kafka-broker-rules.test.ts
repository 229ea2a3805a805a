import { describe, expect, it } from 'vitest';
import { judgeKafkaCluster, type KafkaBrokerPolicy } from '../../core/kafka-broker-rules.js';

const policy: KafkaBrokerPolicy = { ownBrokers: ['kafka.internal:9092'], allowedBrokers: [], topicPrefix: 'events' };
const ownId = 'ha_MNv8JTqygXN9C7JtMBg';

describe('kafka broker rules', () => {
  it('judgeKafkaCluster allows another cluster, and one that gives no cluster id', () => {
    expect(judgeKafkaCluster({ brokers: ['public.example:9094'], topic: 'events.invoice', clusterId: 'other' }, ownId, policy)).toEqual({
      allowed: true,
    });
    expect(judgeKafkaCluster({ brokers: ['public.example:9094'], topic: 'events.invoice', clusterId: null }, ownId, policy)).toEqual({
      allowed: true,
    });
  });

  it("judgeKafkaCluster refuses the pipeline's own cluster id at any address unless every broker is allowed", () => {
    // An external listener of the pipeline's own cluster: an address the address rules do not know.
    const external = { brokers: ['kafka.public.example:9094'], topic: 'copy', clusterId: ownId };
    expect(judgeKafkaCluster(external, ownId, policy)).toEqual({ allowed: false, reason: 'own_cluster' });
    const allowed = { ...policy, allowedBrokers: ['kafka.public.example:9094'] };
    expect(judgeKafkaCluster(external, ownId, allowed)).toEqual({ allowed: true });
    // Allowed as a host (any port) too; one broker of the list not allowed is not enough.
    expect(judgeKafkaCluster(external, ownId, { ...policy, allowedBrokers: ['KAFKA.public.example'] })).toEqual({ allowed: true });
    expect(judgeKafkaCluster({ ...external, brokers: ['kafka.public.example:9094', 'b2.public.example:9094'] }, ownId, allowed)).toEqual({
      allowed: false,
      reason: 'own_cluster',
    });
    expect(judgeKafkaCluster({ ...external, brokers: [] }, ownId, allowed)).toEqual({ allowed: false, reason: 'own_cluster' });
  });

  it("judgeKafkaCluster refuses the pipeline's topics and Kafka's internal ones on its own allowed cluster", () => {
    const allowed = { ...policy, allowedBrokers: ['kafka.public.example'] };
    const on = (topic: string, clusterId: string) =>
      judgeKafkaCluster({ brokers: ['kafka.public.example:9094'], topic, clusterId }, ownId, allowed);
    expect(on('events.invoice', ownId)).toEqual({ allowed: false, reason: 'own_topic' });
    expect(on('events.dead-letter', ownId)).toEqual({ allowed: false, reason: 'own_topic' });
    expect(on('__consumer_offsets', ownId)).toEqual({ allowed: false, reason: 'internal_topic' });
    expect(on('eventsx.invoice', ownId)).toEqual({ allowed: true });
    // On another cluster the pipeline's prefix means nothing.
    expect(on('events.invoice', 'other')).toEqual({ allowed: true });
  });
});
