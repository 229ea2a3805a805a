import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { BenchTarget, DestinationBenchCase } from './case.js';

/**
 * NATS JetStream: a stream of the run on `<name>.>`, counted by its message count. The ceiling
 * publishes with `Nats-Msg-Id` and waits for every PubAck, as the sender does.
 */
export const natsCase: DestinationBenchCase = {
  type: 'nats',
  async open(name): Promise<BenchTarget> {
    const connection = await connect({ servers: 'nats://127.0.0.1:4222' });
    const jsm = await jetstreamManager(connection);
    const js = jetstream(connection);
    const stream = `BENCH_${name.toUpperCase()}`;
    await jsm.streams.add({ name: stream, subjects: [`${name}.>`] });
    return {
      settings: { servers: ['nats://127.0.0.1:4222'], subject: `${name}.{type}` },
      received: async () => (await jsm.streams.info(stream)).state.messages,
      reset: async () => {
        await jsm.streams.purge(stream);
      },
      async ceiling(bodies, ids, inFlight) {
        let next = 0;
        const lane = async () => {
          for (let i = next++; i < ids.length; i = next++) {
            await js.publish(`${name}.invoice.updated`, bodies[i % bodies.length], { msgID: ids[i] as string });
          }
        };
        await Promise.all(Array.from({ length: inFlight }, lane));
      },
      async close() {
        await jsm.streams.delete(stream).catch(() => undefined);
        await connection.close();
      },
    };
  },
};
