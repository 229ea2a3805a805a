import { connect } from 'amqplib';
import type { BenchTarget, DestinationBenchCase } from './case.js';

const rabbitUrl = 'amqp://guest:guest@127.0.0.1:5672';

/**
 * RabbitMQ: a topic exchange of the run, one queue bound to `<name>.#`, counted as it is consumed.
 * The ceiling publishes persistent, mandatory messages on a confirm channel and waits for every
 * confirm, as the sender does.
 */
export const amqpCase: DestinationBenchCase = {
  type: 'amqp',
  async open(name): Promise<BenchTarget> {
    const model = await connect(rabbitUrl);
    const channel = await model.createChannel();
    const exchange = `bench.${name}`;
    await channel.assertExchange(exchange, 'topic', { durable: false });
    const { queue } = await channel.assertQueue(`bench.${name}.received`, { exclusive: true });
    await channel.bindQueue(queue, exchange, `${name}.#`);
    let count = 0;
    await channel.consume(queue, () => count++, { noAck: true });
    const publisher = await model.createConfirmChannel();
    return {
      settings: { url: 'amqp://127.0.0.1:5672/', exchange, routing_key: `${name}.{type}` },
      received: () => Promise.resolve(count),
      reset: () => {
        count = 0;
        return Promise.resolve();
      },
      async ceiling(bodies, ids, inFlight) {
        let next = 0;
        const lane = async () => {
          for (let i = next++; i < ids.length; i = next++) {
            await new Promise<void>((resolve, reject) =>
              publisher.publish(
                exchange,
                `${name}.invoice.updated`,
                bodies[i % bodies.length] as Buffer,
                { persistent: true, mandatory: true, messageId: ids[i] as string, contentType: 'application/json' },
                (error: unknown) => (error ? reject(new Error('RabbitMQ did not confirm a message', { cause: error })) : resolve()),
              ),
            );
          }
        };
        await Promise.all(Array.from({ length: inFlight }, lane));
      },
      async close() {
        await channel.deleteExchange(exchange).catch(() => undefined);
        await model.close();
      },
    };
  },
};
