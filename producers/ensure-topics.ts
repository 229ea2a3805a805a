import { kafkajs, type Admin } from '../adapters/kafka/kafkajs.js';
import { deadLetterTopic, entityTopic } from '../core/topics.js';
import { ConfigError, KafkaError, kafkaErrorCodes } from '../adapters/errors.js';

/**
 * `evp topics ensure`: one topic per entity (`<prefix>.<entity>`, keyed by entity id) and the
 * dead-letter topic. Idempotent: it creates what is missing and brings the retention of existing
 * topics to the asked value, keeping their other settings. It never adds partitions to an
 * existing topic: that would move keys to other partitions and break per-entity order.
 */
// kafkajs is CommonJS: only some of its exports are visible as named ESM imports.
const { ConfigResourceTypes, ConfigSource } = kafkajs;

export interface TopicSettings {
  /** Partitions of a new entity topic. @defaultValue 6 */
  readonly partitions: number;
  /** @defaultValue min(3, number of brokers) */
  readonly replicationFactor?: number | undefined;
  /** How long an entity topic keeps events, in ms; -1 keeps them forever. @defaultValue 7 days */
  readonly retentionMs: number;
  /** How long the dead-letter topic keeps messages, in ms. @defaultValue 30 days */
  readonly deadLetterRetentionMs: number;
}

export const defaultTopicSettings: TopicSettings = {
  partitions: 6,
  retentionMs: 7 * 24 * 3600 * 1000,
  deadLetterRetentionMs: 30 * 24 * 3600 * 1000,
};

export interface TopicOutcome {
  readonly topic: string;
  readonly status: 'created' | 'updated' | 'unchanged';
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly notes: readonly string[];
}

interface WantedTopic {
  readonly topic: string;
  readonly partitions: number;
  readonly configs: Record<string, string>;
}

export async function ensureTopics(
  admin: Admin,
  topicPrefix: string,
  entities: Iterable<string>,
  settings: TopicSettings = defaultTopicSettings,
): Promise<TopicOutcome[]> {
  const brokers = (await admin.describeCluster()).brokers.length;
  const replicationFactor = settings.replicationFactor ?? Math.min(3, brokers);
  if (replicationFactor > brokers) {
    throw new ConfigError(
      `replication factor ${replicationFactor} is more than the cluster's ${brokers} broker(s); give --replication-factor ${brokers} or less`,
    );
  }
  const minInsync = String(replicationFactor >= 3 ? 2 : 1);
  const managed = (retentionMs: number) => ({
    'cleanup.policy': 'delete',
    'retention.ms': String(retentionMs),
    'min.insync.replicas': minInsync,
  });
  const wanted: WantedTopic[] = [
    ...[...entities].sort().map((entity) => ({
      topic: entityTopic(topicPrefix, entity),
      partitions: settings.partitions,
      configs: managed(settings.retentionMs),
    })),
    { topic: deadLetterTopic(topicPrefix), partitions: settings.partitions, configs: managed(settings.deadLetterRetentionMs) },
  ];

  const existing = new Set(await admin.listTopics());
  const missing = wanted.filter((topic) => !existing.has(topic.topic));
  if (missing.length > 0) {
    // kafkajs's own wait gives up when a broker that has not yet heard of the topic answers the
    // metadata request, which on a cluster of several nodes happens about every other time.
    await admin.createTopics({
      waitForLeaders: false,
      topics: missing.map((topic) => ({
        topic: topic.topic,
        numPartitions: topic.partitions,
        replicationFactor,
        configEntries: Object.entries(topic.configs).map(([name, value]) => ({ name, value })),
      })),
    });
    await untilLed(admin, missing);
  }

  const present = wanted.filter((topic) => existing.has(topic.topic));
  const metadata = present.length > 0 ? (await admin.fetchTopicMetadata({ topics: present.map((t) => t.topic) })).topics : [];
  const outcomes: TopicOutcome[] = missing.map((topic) => ({
    topic: topic.topic,
    status: 'created',
    partitions: topic.partitions,
    replicationFactor,
    notes: [],
  }));
  for (const topic of present) {
    const partitions = metadata.find((m) => m.name === topic.topic)?.partitions ?? [];
    const notes: string[] = [];
    if (partitions.length < topic.partitions) {
      notes.push(
        `has ${partitions.length} partitions, ${topic.partitions} asked; left as is: adding partitions moves keys and breaks per-entity order`,
      );
    }
    const changed = await alignConfigs(admin, topic.topic, topic.configs);
    if (changed.length > 0) notes.push(`set ${changed.join(', ')}`);
    outcomes.push({
      topic: topic.topic,
      status: changed.length > 0 ? 'updated' : 'unchanged',
      partitions: partitions.length,
      replicationFactor: partitions[0]?.replicas.length ?? replicationFactor,
      notes,
    });
  }
  return outcomes.sort((a, b) => a.topic.localeCompare(b.topic));
}

/** How long a created topic may take until every partition has a leader, in ms. */
const leadersTimeoutMs = 30_000;

/**
 * Until every partition of the created topics has a leader, so whoever publishes next finds one.
 * A failed metadata request (a node not yet told of the topic) counts as "not yet".
 */
async function untilLed(admin: Admin, topics: readonly WantedTopic[]): Promise<void> {
  const deadline = Date.now() + leadersTimeoutMs;
  let leaderless: string[];
  for (let pause = 50; ; pause = Math.min(pause * 2, 500)) {
    const metadata = await admin.fetchTopicMetadata({ topics: topics.map((topic) => topic.topic) }).catch(() => ({ topics: [] }));
    leaderless = topics
      .filter((topic) => {
        const partitions = metadata.topics.find((m) => m.name === topic.topic)?.partitions ?? [];
        return partitions.length < topic.partitions || partitions.some((partition) => partition.leader < 0);
      })
      .map((topic) => topic.topic);
    if (leaderless.length === 0) return;
    if (Date.now() + pause > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
  throw new KafkaError(
    kafkaErrorCodes.leaderless,
    `topics created, but ${leaderless.join(', ')} still had partitions without a leader after ${leadersTimeoutMs / 1000} s; check that every Kafka node is up (evp stack status) and run evp topics ensure again`,
    { retriable: true },
  );
}

/**
 * Kafka's AlterConfigs (the call kafkajs makes) replaces a topic's whole set of overrides, so the
 * request carries the overrides the topic has now with ours changed, never just ours.
 */
async function alignConfigs(admin: Admin, topic: string, configs: Record<string, string>): Promise<string[]> {
  const described = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }] });
  const entries = described.resources[0]?.configEntries ?? [];
  const overrides = new Map(
    entries.filter((entry) => entry.configSource === ConfigSource.TOPIC_CONFIG).map((entry) => [entry.configName, entry.configValue]),
  );
  const changed = Object.entries(configs)
    .filter(([name, value]) => (overrides.get(name) ?? entries.find((entry) => entry.configName === name)?.configValue) !== value)
    .map(([name, value]) => `${name}=${value}`);
  if (changed.length === 0) return [];
  for (const [name, value] of Object.entries(configs)) overrides.set(name, value);
  await admin.alterConfigs({
    validateOnly: false,
    resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: [...overrides].map(([name, value]) => ({ name, value })) }],
  });
  return changed;
}
