import { connect, type ConsumeMessage } from 'amqplib';
import { useTestContext } from '../../harness/index.js';
import { startTcpProxy } from '../../harness/tcp-proxy.js';
import { destinationContract, type ReceivedMessage } from '../contract.js';

const ctx = useTestContext('amqp_contract');

/**
 * The machine's RabbitMQ behind a proxy the contract cuts: the destinations publish to a topic
 * exchange of this file with routing key `<name>.{type}`; one queue bound to all of it is what
 * the target received, told apart by the routing key's first word.
 */
destinationContract('amqp', ctx, async () => {
  const admin = await connect('amqp://guest:guest@127.0.0.1:5672');
  const channel = await admin.createChannel();
  const exchange = `t.${ctx.id}`;
  await channel.assertExchange(exchange, 'topic', { durable: false });
  const { queue } = await channel.assertQueue(`t.${ctx.id}.received`, { exclusive: true });
  await channel.bindQueue(queue, exchange, '#');
  const received: (ReceivedMessage & { name: string })[] = [];
  await channel.consume(
    queue,
    (message: ConsumeMessage | null) => {
      if (message === null) return;
      const messageId = message.properties.messageId as unknown;
      received.push({
        name: message.fields.routingKey.split('.')[0] ?? '',
        deliveryId: typeof messageId === 'string' ? messageId : '',
        eventId: (JSON.parse(message.content.toString()) as { id: string }).id,
      });
    },
    { noAck: true },
  );
  const proxy = await startTcpProxy({ host: '127.0.0.1', port: 5672 });
  return {
    settings: (name) => ({
      url: `amqp://127.0.0.1:${proxy.port}/`,
      username: 'guest',
      password: 'guest',
      exchange,
      routing_key: `${name}.{type}`,
    }),
    received: (name) => Promise.resolve(received.filter((message) => message.name === name)),
    cut: () => proxy.stop(),
    restore: () => proxy.start(),
    close: async () => {
      await proxy.close();
      await channel.deleteExchange(exchange).catch(() => undefined);
      await admin.close();
    },
  };
});
