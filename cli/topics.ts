import { Command } from 'commander';
import { connectKafka, createKafka } from '../adapters/kafka/index.js';
import { InputError } from '../adapters/errors.js';
import { defaultTopicSettings, ensureTopics } from '../producers/ensure-topics.js';
import { readEventSchemas } from '../schemas/event-schemas.js';
import { commandContext, parseCount } from './context.js';

/** `evp topics ensure`: the entity topics and the dead-letter topic, created or aligned. */
export function topicsCommand(): Command {
  const topics = new Command('topics').description('manage the entity topics');
  topics
    .command('ensure')
    .description('create <prefix>.<entity> for every entity and the dead-letter topic; align retention of existing ones (idempotent)')
    .option('--partitions <n>', 'partitions of each new topic', parseCount('--partitions'), defaultTopicSettings.partitions)
    .option('--replication-factor <n>', 'replicas of each new topic (default: min(3, brokers))', parseCount('--replication-factor'))
    .option(
      '--retention <duration>',
      'how long entity topics keep events: 7d, 12h, 30m, or "forever"',
      parseDuration('--retention'),
      defaultTopicSettings.retentionMs,
    )
    .option(
      '--dead-letter-retention <duration>',
      'how long the dead-letter topic keeps messages',
      parseDuration('--dead-letter-retention'),
      defaultTopicSettings.deadLetterRetentionMs,
    )
    .option('--json', 'print the outcome as JSON')
    .action(
      async (options: {
        partitions: number;
        replicationFactor?: number;
        retention: number;
        deadLetterRetention: number;
        json?: boolean;
      }) => {
        const { config, endpoints, logger } = commandContext('topics');
        const admin = createKafka({
          brokers: endpoints.kafkaBrokers,
          security: endpoints.kafkaSecurity,
          clientId: 'evp-topics',
          logger,
          retry: { retries: 3 },
        }).admin();
        await connectKafka({ brokers: endpoints.kafkaBrokers, security: endpoints.kafkaSecurity }, admin);
        try {
          const outcomes = await ensureTopics(admin, config.topicPrefix, readEventSchemas().keys(), {
            partitions: options.partitions,
            replicationFactor: options.replicationFactor,
            retentionMs: options.retention,
            deadLetterRetentionMs: options.deadLetterRetention,
          });
          if (options.json) {
            process.stdout.write(`${JSON.stringify(outcomes, null, 2)}\n`);
            return;
          }
          for (const outcome of outcomes) {
            const notes = outcome.notes.length > 0 ? `  (${outcome.notes.join('; ')})` : '';
            process.stdout.write(
              `${outcome.status.padEnd(9)} ${outcome.topic}  partitions=${outcome.partitions} replicas=${outcome.replicationFactor}${notes}\n`,
            );
          }
          const created = outcomes.filter((o) => o.status === 'created').length;
          process.stdout.write(`${outcomes.length} topics: ${created} created, ${outcomes.length - created} already there\n`);
        } finally {
          await admin.disconnect();
        }
      },
    );
  return topics;
}

const units = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `7d`, `12h`, `30m`, `45s`, `500ms`, a bare number of ms, or `forever` (-1). */
export function parseDuration(flag: string) {
  return (value: string): number => {
    if (value === 'forever') return -1;
    const match = /^(\d+)(ms|s|m|h|d)?$/.exec(value.trim());
    if (!match) throw new InputError(`${flag} must be a duration such as 7d, 12h, 30m or forever, got ${JSON.stringify(value)}`);
    return Number(match[1]) * units[(match[2] ?? 'ms') as keyof typeof units];
  };
}
