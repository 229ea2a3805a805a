import { Redis } from 'ioredis';
import { useTestContext } from '../../harness/index.js';
import { startTcpProxy } from '../../harness/tcp-proxy.js';
import { destinationContract } from '../contract.js';

const ctx = useTestContext('redis_contract');
/** Every key of this file starts with it; they are deleted after the file. */
const prefix = `evp-test:${ctx.id}`;

destinationContract('redis', ctx, async () => {
  const proxy = await startTcpProxy({ host: '127.0.0.1', port: 6379 });
  // The reader goes to the server itself: cutting the proxy cuts the streamer alone.
  const reader = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true });
  return {
    settings: (name) => ({ url: `redis://127.0.0.1:${proxy.port}/0`, stream: `${prefix}:${name}:{entity_type}`, max_len: 10_000 }),
    received: async (name) => {
      const entries = await reader.xrange(`${prefix}:${name}:invoice`, '-', '+');
      return entries.map(([, fields]) => {
        const field = (wanted: string) => fields[fields.indexOf(wanted) + 1] ?? '';
        return { deliveryId: field('id'), eventId: (JSON.parse(field('event')) as { id: string }).id };
      });
    },
    cut: () => proxy.stop(),
    restore: () => proxy.start(),
    close: async () => {
      await proxy.close();
      const keys = await reader.keys(`${prefix}:*`);
      if (keys.length > 0) await reader.del(...keys);
      reader.disconnect();
    },
  };
});
