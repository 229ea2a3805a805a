import { describe, expect, it } from 'vitest';
import { useTestContext } from '../harness/index.js';

const ctx = useTestContext('kafka-smoke');

describe('local kafka', () => {
  it('delivers a produced record to a consumer with its key, value and headers', async () => {
    const topic = await ctx.createTopic('smoke', 3);
    const producer = await ctx.createProducer();
    const [metadata] = await producer.send({
      topic,
      acks: -1,
      messages: [{ key: 'inv_1', value: 'hello', headers: { ce_id: 'evt_1' } }],
    });
    expect(metadata?.errorCode).toBe(0);

    const consumer = await ctx.createConsumer();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received = await new Promise<{ key: string; value: string; header: string; partition: number }>((resolve) => {
      void consumer.run({
        eachMessage: ({ message, partition }) => {
          resolve({
            key: message.key?.toString() ?? '',
            value: message.value?.toString() ?? '',
            header: message.headers?.['ce_id']?.toString() ?? '',
            partition,
          });
          return Promise.resolve();
        },
      });
    });
    expect(received).toEqual({ key: 'inv_1', value: 'hello', header: 'evt_1', partition: metadata?.partition });
  });
});
