import { randomBytes } from 'node:crypto';
import { Command } from 'commander';
import { InputError } from '../adapters/errors.js';
import { connectKafka, createKafka } from '../adapters/kafka/index.js';
import { createRegistryClient } from '../adapters/registry.js';
import { eventToJson } from '../core/event-json.js';
import { isValidPattern, matchesAny } from '../core/event-types.js';
import { topicEntity } from '../core/topics.js';
import { createEventDecoder } from '../consumers/event-decoder.js';
import { commandContext, parseCount } from './context.js';

/**
 * `evp tail`: follows every entity topic and prints each event, decoded with the registry, as a
 * JSON line. It reads with a throwaway consumer group, deleted on exit, so it never moves the
 * offsets of the pipeline's own consumers.
 */
export function tailCommand(): Command {
  return new Command('tail')
    .description('print events as JSON lines as they arrive')
    .option('--type <pattern...>', 'only these types: invoice.paid, invoice.*, crm.* (repeatable)')
    .option('--org <org>', 'only this organization')
    .option('--from-beginning', 'start at the oldest event kept, not at new ones')
    .option('--limit <n>', 'exit after printing n events', parseCount('--limit'))
    .action(async (options: { type?: string[]; org?: string; fromBeginning?: boolean; limit?: number }) => {
      const patterns = options.type ?? ['*'];
      const bad = patterns.filter((pattern) => !isValidPattern(pattern));
      if (bad.length > 0) throw new InputError(`--type ${bad.join(', ')}: a pattern is an event type, a prefix ending in .* or *`);
      const { config, endpoints, logger } = commandContext('tail');
      const kafka = createKafka({
        brokers: endpoints.kafkaBrokers,
        security: endpoints.kafkaSecurity,
        clientId: 'evp-tail',
        logger,
        retry: { retries: 3 },
      });
      const decoder = createEventDecoder(createRegistryClient({ url: endpoints.schemaRegistryUrl, auth: endpoints.registryAuth }));
      const admin = kafka.admin();
      await connectKafka({ brokers: endpoints.kafkaBrokers, security: endpoints.kafkaSecurity }, admin);
      const topics = (await admin.listTopics()).filter((topic) => {
        const entity = topicEntity(config.topicPrefix, topic);
        return (
          entity !== undefined && patterns.some((p) => p === '*' || p.startsWith(`${entity}.`) || `${entity}.`.startsWith(p.slice(0, -1)))
        );
      });
      if (topics.length === 0)
        throw new InputError(`no ${config.topicPrefix}.* topic carries ${patterns.join(', ')}; run \`npx evp topics ensure\``);

      const groupId = `evp-tail-${randomBytes(4).toString('hex')}`;
      const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
      let printed = 0;
      let stop!: () => void;
      const stopped = new Promise<void>((resolve) => (stop = resolve));
      process.once('SIGINT', () => stop());
      process.once('SIGTERM', () => stop());
      await consumer.connect();
      await consumer.subscribe({ topics, fromBeginning: options.fromBeginning === true });
      await consumer.run({
        eachMessage: async ({ topic, partition, message }) => {
          if (options.limit !== undefined && printed >= options.limit) return;
          const decoded = await decoder.decode(message.value);
          if (!decoded.ok) {
            logger.warn({ topic, partition, offset: message.offset, reason: decoded.reason }, 'record skipped: not an event');
            return;
          }
          const event = decoded.event;
          if (!matchesAny(patterns, String(event['type'])) || (options.org !== undefined && event['organization_id'] !== options.org))
            return;
          process.stdout.write(`${JSON.stringify(eventToJson(event))}\n`);
          printed++;
          if (options.limit !== undefined && printed >= options.limit) stop();
        },
      });
      await stopped;
      await consumer.disconnect();
      await admin.deleteGroups([groupId]).catch(() => undefined);
      await admin.disconnect();
    });
}
