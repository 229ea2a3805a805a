import { connectAsync } from 'mqtt';
import { useTestContext } from '../../harness/index.js';
import { startTcpProxy } from '../../harness/tcp-proxy.js';
import { destinationContract, type ReceivedMessage } from '../contract.js';

const ctx = useTestContext('mqtt_contract');
/** Every topic of this file is under it. */
const root = `evp-test/${ctx.id}`;

destinationContract('mqtt', ctx, async () => {
  const proxy = await startTcpProxy({ host: '127.0.0.1', port: 1883 });
  // The reader subscribes at the broker itself (QoS 1): cutting the proxy cuts the streamer alone.
  const reader = await connectAsync('mqtt://127.0.0.1:1883', { protocolVersion: 5, clean: true, reconnectPeriod: 0 });
  const received: (ReceivedMessage & { topic: string })[] = [];
  reader.on('message', (topic, payload, packet) => {
    const deliveryId = packet.properties?.userProperties?.['evp-delivery-id'];
    const eventId = (JSON.parse(payload.toString()) as { id: string }).id;
    received.push({ topic, deliveryId: typeof deliveryId === 'string' ? deliveryId : '', eventId });
  });
  await reader.subscribeAsync(`${root}/#`, { qos: 1 });
  return {
    settings: (name) => ({ url: `mqtt://127.0.0.1:${proxy.port}`, topic: `${root}/${name}/{entity_type}/{entity_id}` }),
    received: (name) => Promise.resolve(received.filter((message) => message.topic.startsWith(`${root}/${name}/`))),
    cut: () => proxy.stop(),
    restore: () => proxy.start(),
    close: async () => {
      await proxy.close();
      await reader.endAsync();
    },
  };
});
