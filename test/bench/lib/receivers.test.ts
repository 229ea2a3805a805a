import { afterEach, describe, expect, it } from 'vitest';
import { arrivalTimes, startReceiver, type Sink } from '../../../bench/lib/receivers.js';

const sinks: Sink[] = [];
afterEach(async () => {
  await Promise.all(sinks.splice(0).map((sink) => sink.close()));
});

async function post(port: number, path: string, body: string, headers: Record<string, string> = {}): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers, body });
  await response.body?.cancel();
  return response.status;
}

describe('startReceiver', () => {
  it('counts each webhook-id once and records the event id, time and path of its first arrival', async () => {
    const receiver = await startReceiver('webhook-id');
    sinks.push(receiver);
    const before = Date.now();
    expect(await post(receiver.port, '/d/0', '{"id":"evt_1","type":"invoice.updated"}', { 'webhook-id': 'msg_1' })).toBe(204);
    await post(receiver.port, '/d/1', '{"id":"evt_1"}', { 'webhook-id': 'msg_2' });
    await post(receiver.port, '/d/1', '{"id":"evt_1"}', { 'webhook-id': 'msg_2' });
    await post(receiver.port, '/d/1', '{"id":"evt_2"}');
    expect(receiver.count()).toBe(2);
    const arrivals = await receiver.collect();
    expect(arrivals.eventIds).toEqual(['evt_1', 'evt_1']);
    expect(arrivals.paths).toEqual({ '/d/0': 1, '/d/1': 1 });
    expect(arrivals.requests).toBe(4);
    expect(arrivals.repeated).toBe(2);
    expect(arrivals.times[0]).toBeGreaterThanOrEqual(before - 1);
    expect(arrivals.times[0]).toBeLessThanOrEqual(Date.now() + 1);
  });

  it('keys arrivals by the event id of the body and notes a body without one', async () => {
    const receiver = await startReceiver('event-id');
    sinks.push(receiver);
    await post(receiver.port, '/e2e', '{"id":"evt_1"}');
    await post(receiver.port, '/e2e', '{"id":"evt_1"}');
    await post(receiver.port, '/e2e', '{"type":"no id"}');
    const arrivals = await receiver.collect();
    expect(receiver.count()).toBe(1);
    expect([...arrivalTimes(arrivals).keys()]).toEqual(['evt_1']);
    expect(arrivals.repeated).toBe(1);
    expect(arrivals.notes).toEqual([expect.stringContaining('a body without an id: {"type":"no id"}')]);
  });

  it('keeps only the count after a reset without recording', async () => {
    const receiver = await startReceiver('webhook-id');
    sinks.push(receiver);
    await post(receiver.port, '/d/0', '{"id":"evt_1"}', { 'webhook-id': 'msg_1' });
    await receiver.reset(false);
    expect(receiver.count()).toBe(0);
    await post(receiver.port, '/d/0', '{"id":"evt_2"}', { 'webhook-id': 'msg_2' });
    expect(receiver.count()).toBe(1);
    expect((await receiver.collect()).eventIds).toEqual([]);
  });
});
