import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { useTestContext } from '../../harness/index.js';
import { startTcpProxy } from '../../harness/tcp-proxy.js';
import { destinationContract, type ReceivedMessage } from '../contract.js';

const ctx = useTestContext('nats_contract');

/**
 * The machine's NATS behind a proxy the contract cuts: the destinations publish to
 * `<file>.<name>.{type}`, and what a stream of this file stored is what the target received, read
 * by an ordered consumer. The stream's duplicate window is JetStream's least (100 ms) here, so a
 * replay (sent once the first copies were delivered and recorded, well after that) is stored again
 * as the contract expects; at the default (2 min) JetStream drops a replay sent within it as a
 * duplicate, which the sender's own test shows.
 */
destinationContract('nats', ctx, async () => {
  const admin = await connect({ servers: 'nats://127.0.0.1:4222' });
  const jsm = await jetstreamManager(admin);
  const stream = `T_${ctx.id.toUpperCase()}`;
  await jsm.streams.add({ name: stream, subjects: [`${ctx.id}.>`], duplicate_window: 100_000_000 });
  const consumer = await jetstream(admin).consumers.get(stream);
  const messages = await consumer.consume();
  const received: (ReceivedMessage & { subject: string })[] = [];
  void (async () => {
    for await (const message of messages) {
      received.push({
        subject: message.subject,
        deliveryId: message.headers?.get('Nats-Msg-Id') ?? '',
        eventId: message.json<{ id: string }>().id,
      });
    }
  })();
  const proxy = await startTcpProxy({ host: '127.0.0.1', port: 4222 });
  return {
    settings: (name) => ({ servers: [`nats://127.0.0.1:${proxy.port}`], subject: `${ctx.id}.${name}.{type}` }),
    received: (name) => Promise.resolve(received.filter((message) => message.subject.startsWith(`${ctx.id}.${name}.`))),
    cut: () => proxy.stop(),
    restore: () => proxy.start(),
    close: async () => {
      await proxy.close();
      await messages.close();
      await jsm.streams.delete(stream).catch(() => undefined);
      await admin.close();
    },
  };
});
