import { expect, it } from 'vitest';
import type { BrokerRequest, BrokerSender, BrokerSenderOptions } from '../../destinations/broker-connections.js';
import { createTestLogger } from '../harness/log-sink.js';

/**
 * What every sender of a broker reached by one URL does with its connections, checked against the
 * real local server: one per destination, closed on release, and none to an internal address the
 * operator did not allow. `request(overrides)` is a request that succeeds at `url`.
 */
export function brokerSenderChecks<Request extends BrokerRequest>(
  type: string,
  sender: BrokerSender<Request>,
  create: (options: BrokerSenderOptions) => BrokerSender<Request>,
  request: (overrides: Partial<Request>) => Request,
  localUrl: string,
): void {
  it(`${type} sender keeps one connection per destination and closes it on release`, async () => {
    const destinationId = `dst_reused_${type}`;
    const before = sender.openConnections();
    expect(await sender.send(request({ destinationId } as Partial<Request>))).toMatchObject({ result: { kind: 'response' } });
    expect(await sender.send(request({ destinationId } as Partial<Request>))).toMatchObject({ result: { kind: 'response' } });
    expect(sender.openConnections()).toBe(before + 1);
    sender.release(destinationId);
    expect(sender.openConnections()).toBe(before);
  });

  it(`${type} sender refuses an internal address the operator did not allow, before connecting`, async () => {
    const strict = create({ logger: createTestLogger('silent'), allowedHosts: [] });
    try {
      const outcome = await strict.send(request({ url: localUrl.replace('127.0.0.1', 'localhost') } as Partial<Request>));
      expect(outcome.result).toEqual({ kind: 'error', code: 'destination_refused' });
      expect(outcome.error).toContain('localhost resolves to an internal address');
      expect(strict.openConnections()).toBe(0);
    } finally {
      await strict.close();
    }
  });
}
