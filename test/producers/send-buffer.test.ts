import { describe, expect, it } from 'vitest';
import { createSendBuffer, type BufferedRecord } from '../../producers/send-buffer.js';

const record = (n: number, size = 100): BufferedRecord => ({
  topic: 't',
  partition: 0,
  key: Buffer.from(String(n)),
  value: Buffer.alloc(0),
  headers: {},
  timestamp: '0',
  size,
});

describe('send buffer', () => {
  it('sends in arrival order, in batches, one request at a time', async () => {
    const batches: string[][] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const buffer = createSendBuffer({
      lingerMs: 1,
      batchMaxEvents: 4,
      batchMaxBytes: 10_000,
      maxBytes: 100_000,
      timeoutMs: 1_000,
      send: async (records) => {
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        await new Promise((resolve) => setTimeout(resolve, 2));
        inFlight--;
        batches.push(records.map((r) => r.key.toString()));
        return records.map((r) => `o${r.key.toString()}`);
      },
    });
    const offsets = await Promise.all(Array.from({ length: 10 }, (_, n) => buffer.add(record(n))));
    expect(offsets).toEqual(Array.from({ length: 10 }, (_, n) => `o${n}`));
    expect(batches.flat()).toEqual(Array.from({ length: 10 }, (_, n) => String(n)));
    expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(4);
    expect(maxInFlight).toBe(1);
    expect(buffer.bytes).toBe(0);
  });

  it('never holds more than maxBytes: a publish waits for room, then fails after the timeout', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let peak = 0;
    const buffer = createSendBuffer({
      lingerMs: 0,
      batchMaxEvents: 1,
      batchMaxBytes: 1_000,
      maxBytes: 300,
      timeoutMs: 50,
      send: async (records) => {
        peak = Math.max(peak, buffer.bytes);
        await gate;
        return records.map(() => '0');
      },
    });
    const accepted = [buffer.add(record(1)), buffer.add(record(2)), buffer.add(record(3))];
    const refused = buffer.add(record(4)).catch((error: unknown) => error);
    expect(await refused).toMatchObject({ code: 'EVP_PUBLISH_BUFFER_FULL' });
    expect(buffer.bytes).toBe(300);
    release();
    await Promise.all(accepted);
    expect(peak).toBeLessThanOrEqual(300);
  });

  it('rejects every record of a failed request with the cause', async () => {
    const buffer = createSendBuffer({
      lingerMs: 0,
      batchMaxEvents: 10,
      batchMaxBytes: 10_000,
      maxBytes: 10_000,
      timeoutMs: 1_000,
      send: () => Promise.reject(new Error('broker gone')),
    });
    const outcomes = await Promise.allSettled([buffer.add(record(1)), buffer.add(record(2))]);
    for (const outcome of outcomes) {
      expect(outcome).toMatchObject({
        status: 'rejected',
        reason: { code: 'EVP_PUBLISH_NOT_ACKNOWLEDGED', cause: { message: 'broker gone' } },
      });
    }
    expect(buffer.bytes).toBe(0);
  });
});

describe('send buffer lanes', () => {
  it('sends the lanes side by side, one request per lane at a time, each partition in order', async () => {
    const sent: { lane: number; keys: string[] }[] = [];
    const inFlight = new Map<number, number>();
    let peakPerLane = 0;
    let peakTotal = 0;
    const buffer = createSendBuffer({
      lingerMs: 1,
      batchMaxEvents: 3,
      batchMaxBytes: 10_000,
      maxBytes: 100_000,
      timeoutMs: 1_000,
      lanes: 3,
      send: async (records, lane) => {
        inFlight.set(lane, (inFlight.get(lane) ?? 0) + 1);
        peakPerLane = Math.max(peakPerLane, inFlight.get(lane) ?? 0);
        peakTotal = Math.max(
          peakTotal,
          [...inFlight.values()].reduce((a, b) => a + b, 0),
        );
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight.set(lane, (inFlight.get(lane) ?? 0) - 1);
        sent.push({ lane, keys: records.map((r) => r.key.toString()) });
        return records.map((r) => `o${r.key.toString()}`);
      },
    });
    // Partitions 0..5 over 3 lanes: partition p goes to lane p % 3.
    const records = Array.from({ length: 36 }, (_, n) => ({ ...record(n), partition: n % 6 }));
    const offsets = await Promise.all(records.map((r) => buffer.add(r)));
    expect(offsets).toEqual(records.map((r) => `o${r.key.toString()}`));
    expect(peakPerLane).toBe(1);
    expect(peakTotal).toBeGreaterThan(1);
    for (const { lane, keys } of sent) for (const key of keys) expect(Number(key) % 3, `record ${key} in lane ${lane}`).toBe(lane);
    for (let partition = 0; partition < 6; partition++) {
      const order = sent.flatMap(({ keys }) => keys.map(Number)).filter((n) => n % 6 === partition);
      expect(order, `partition ${partition}`).toEqual([...order].sort((a, b) => a - b));
      expect(order).toHaveLength(6);
    }
    expect(buffer.bytes).toBe(0);
  });
});
