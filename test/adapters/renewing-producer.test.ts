import { describe, expect, it } from 'vitest';
import type { Producer, ProducerRecord } from 'kafkajs';
import { renewingProducer } from '../../adapters/kafka/renewing-producer.js';

/** Stand-ins for kafkajs producers: each records what was done to it and fails its sends while `failing`. */
function fakes() {
  const unreachable = { now: false };
  // The next send waits for this before answering.
  const hold: { next: Promise<void> | undefined } = { next: undefined };
  const made: { id: number; connects: number; disconnects: number; sent: string[]; failing: boolean; unreachable: boolean }[] = [];
  const make = (): Producer => {
    const state = { id: made.length + 1, connects: 0, disconnects: 0, sent: [] as string[], failing: false, unreachable: false };
    made.push(state);
    return {
      connect: () => {
        state.connects += 1;
        return state.unreachable || unreachable.now ? Promise.reject(new Error('broker unreachable')) : Promise.resolve();
      },
      disconnect: () => {
        state.disconnects += 1;
        return Promise.resolve();
      },
      send: async (record: ProducerRecord) => {
        state.sent.push(record.topic);
        const wait = hold.next;
        hold.next = undefined;
        if (wait !== undefined) await wait;
        return state.failing
          ? Promise.reject(new Error('OUT_OF_ORDER_SEQUENCE_NUMBER'))
          : Promise.resolve([{ topicName: record.topic, partition: 0, errorCode: 0 }]);
      },
    } as unknown as Producer;
  };
  return { made, make, unreachable, hold };
}

const record = (topic: string): ProducerRecord => ({ topic, messages: [{ value: 'x' }] });

describe('renewingProducer', () => {
  it('sends through one producer while its sends succeed', async () => {
    const { made, make } = fakes();
    const producer = renewingProducer(make);
    await producer.connect();
    await producer.send(record('a'));
    await producer.send(record('b'));
    expect(made).toHaveLength(1);
    expect(made[0]).toMatchObject({ connects: 1, sent: ['a', 'b'] });
  });

  it('after a failed send, drops the producer and sends the next through a fresh one, connected first', async () => {
    const { made, make } = fakes();
    const producer = renewingProducer(make);
    await producer.connect();
    (made[0] as { failing: boolean }).failing = true;
    await expect(producer.send(record('a'))).rejects.toThrow(/OUT_OF_ORDER/);
    expect(made[0]).toMatchObject({ disconnects: 1 });
    await producer.send(record('b'));
    expect(made).toHaveLength(2);
    expect(made[1]).toMatchObject({ connects: 1, sent: ['b'] });
    await producer.disconnect();
    expect(made[1]).toMatchObject({ disconnects: 1 });
  });

  it('renews again when the fresh producer cannot connect, so a broker back later is reached', async () => {
    const { made, make, unreachable } = fakes();
    const producer = renewingProducer(make);
    await producer.connect();
    (made[0] as { failing: boolean }).failing = true;
    await expect(producer.send(record('a'))).rejects.toThrow(/OUT_OF_ORDER/);
    unreachable.now = true;
    await expect(producer.send(record('b'))).rejects.toThrow(/unreachable/);
    await expect(producer.send(record('c'))).rejects.toThrow(/unreachable/);
    unreachable.now = false;
    await producer.send(record('d'));
    expect(made.at(-1)?.sent).toEqual(['d']);
    expect(made.slice(0, -1).every((state) => state.disconnects === 1)).toBe(true);
  });

  it('disconnects a failed producer only once the other sends on it have settled', async () => {
    const { made, make, hold } = fakes();
    const producer = renewingProducer(make);
    await producer.connect();
    let release: () => void = () => undefined;
    hold.next = new Promise<void>((resolve) => (release = resolve));
    const slow = producer.send(record('slow'));
    (made[0] as { failing: boolean }).failing = true;
    await expect(producer.send(record('a'))).rejects.toThrow(/OUT_OF_ORDER/);
    expect(made[0]?.disconnects).toBe(0);
    release();
    await expect(slow).rejects.toThrow(/OUT_OF_ORDER/);
    expect(made[0]?.disconnects).toBe(1);
    expect(made).toHaveLength(2);
  });

  it('renews once when several sends of the same producer fail together', async () => {
    const { made, make } = fakes();
    const producer = renewingProducer(make);
    await producer.connect();
    (made[0] as { failing: boolean }).failing = true;
    const results = await Promise.allSettled([producer.send(record('a')), producer.send(record('b'))]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    expect(made).toHaveLength(2);
    await producer.send(record('c'));
    expect(made).toHaveLength(2);
    expect(made[1]?.sent).toEqual(['c']);
  });
});
