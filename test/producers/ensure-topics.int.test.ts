import kafkajs, { type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTopics } from '../../producers/ensure-topics.js';
import { useTestContext } from '../harness/index.js';

const { ConfigResourceTypes } = kafkajs;
const ctx = useTestContext('ensure-topics');
let admin: Admin;
const day = 86_400_000;

async function topicConfig(topic: string, name: string): Promise<string | undefined> {
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: [name] }],
  });
  return described.resources[0]?.configEntries.find((entry) => entry.configName === name)?.configValue;
}

beforeAll(async () => {
  admin = ctx.kafka.admin();
  await admin.connect();
});
afterAll(() => admin.disconnect());

describe('ensureTopics', () => {
  it('creates one topic per entity and the dead-letter topic, then changes nothing on a second run', async () => {
    const settings = { partitions: 3, retentionMs: 7 * day, deadLetterRetentionMs: 30 * day };
    const first = await ensureTopics(admin, ctx.topicPrefix, ['invoice', 'crm.deal'], settings);
    expect(first.map((o) => [o.topic, o.status, o.partitions])).toEqual([
      [`${ctx.topicPrefix}.crm.deal`, 'created', 3],
      [`${ctx.topicPrefix}.dead-letter`, 'created', 3],
      [`${ctx.topicPrefix}.invoice`, 'created', 3],
    ]);
    expect(await topicConfig(`${ctx.topicPrefix}.invoice`, 'retention.ms')).toBe(String(7 * day));
    expect(await topicConfig(`${ctx.topicPrefix}.dead-letter`, 'retention.ms')).toBe(String(30 * day));
    const metadata = await admin.fetchTopicMetadata({ topics: [`${ctx.topicPrefix}.invoice`] });
    expect(metadata.topics[0]?.partitions).toHaveLength(3);

    const second = await ensureTopics(admin, ctx.topicPrefix, ['invoice', 'crm.deal'], settings);
    expect(second.map((o) => o.status)).toEqual(['unchanged', 'unchanged', 'unchanged']);
  });

  it('aligns retention and keeps other overrides, and never adds partitions to an existing topic', async () => {
    const prefix = `${ctx.topicPrefix}.align`;
    await ensureTopics(admin, prefix, ['invoice'], { partitions: 2, retentionMs: day, deadLetterRetentionMs: day });
    await admin.alterConfigs({
      validateOnly: false,
      resources: [
        {
          type: ConfigResourceTypes.TOPIC,
          name: `${prefix}.invoice`,
          configEntries: [
            { name: 'retention.ms', value: String(day) },
            { name: 'cleanup.policy', value: 'delete' },
            { name: 'min.insync.replicas', value: '1' },
            { name: 'max.message.bytes', value: '2000000' },
          ],
        },
      ],
    });
    const outcomes = await ensureTopics(admin, prefix, ['invoice'], { partitions: 6, retentionMs: 3 * day, deadLetterRetentionMs: day });
    const invoice = outcomes.find((o) => o.topic === `${prefix}.invoice`);
    expect(invoice).toMatchObject({ status: 'updated', partitions: 2 });
    expect(invoice?.notes.join('\n')).toContain('has 2 partitions, 6 asked; left as is');
    expect(await topicConfig(`${prefix}.invoice`, 'retention.ms')).toBe(String(3 * day));
    expect(await topicConfig(`${prefix}.invoice`, 'max.message.bytes')).toBe('2000000');
  });
});
