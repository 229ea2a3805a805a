import { useTestContext } from '../../harness/index.js';
import { startTcpProxy } from '../../harness/tcp-proxy.js';
import { startWebhookReceiver } from '../../harness/webhook-receiver.js';
import { destinationContract } from '../contract.js';

const ctx = useTestContext('webhook_contract');

destinationContract('webhook', ctx, async () => {
  const receiver = await startWebhookReceiver();
  receiver.answer = () => ({ status: 204 });
  const proxy = await startTcpProxy({ host: '127.0.0.1', port: receiver.port });
  return {
    settings: (name) => ({ url: `http://127.0.0.1:${proxy.port}/${name}` }),
    received: (name) =>
      Promise.resolve(
        receiver
          .accepted()
          .filter((request) => request.path === `/${name}`)
          .map((request) => ({ deliveryId: request.id, eventId: (request.json as { id: string }).id })),
      ),
    cut: () => proxy.stop(),
    restore: () => proxy.start(),
    close: async () => {
      await proxy.close();
      await receiver.close();
    },
  };
});
