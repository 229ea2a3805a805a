import { Redis } from 'ioredis';
import type { BenchTarget, DestinationBenchCase } from './case.js';
import { runLanes } from './lanes.js';

/**
 * Redis streams: the run's streams are `<name>:<entity type>`, counted by their length. The
 * ceiling writes the same entries (`id`, `event_id`, `type`, `entity_id`, `event`) with XADD and
 * waits for each answer, as the sender does.
 */
export const redisCase: DestinationBenchCase = {
  type: 'redis',
  async open(name): Promise<BenchTarget> {
    const redis = new Redis({ host: '127.0.0.1', port: 6379 });
    // A server that is not up fails the case here, not as a count that never grows.
    await redis.ping();
    const keys = () => redis.keys(`${name}:*`);
    const clear = async () => {
      const found = await keys();
      if (found.length > 0) await redis.del(...found);
    };
    return {
      settings: { url: 'redis://127.0.0.1:6379/0', stream: `${name}:{entity_type}` },
      async received() {
        const lengths = await Promise.all((await keys()).map((key) => redis.xlen(key)));
        return lengths.reduce((sum, length) => sum + length, 0);
      },
      reset: clear,
      async ceiling(bodies, ids, inFlight) {
        await runLanes(ids.length, inFlight, (index) => {
          const id = ids[index] as string;
          const body = bodies[index % bodies.length] as Buffer;
          return redis.xadd(
            `${name}:invoice`,
            '*',
            'id',
            id,
            'event_id',
            id,
            'type',
            'invoice.updated',
            'entity_id',
            'inv_1',
            'event',
            body,
          );
        });
      },
      async close() {
        await clear();
        redis.disconnect();
      },
    };
  },
};
