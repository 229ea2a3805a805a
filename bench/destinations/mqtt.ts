import { connectAsync } from 'mqtt';
import type { BenchTarget, DestinationBenchCase } from './case.js';
import { runLanes } from './lanes.js';

const brokerUrl = 'mqtt://127.0.0.1:1883';

/**
 * MQTT: the run's topics are under `<name>/`, counted by a QoS 1 subscriber on `<name>/#`. The
 * ceiling publishes with QoS 1 and the same MQTT 5 user properties and waits for every PUBACK, as
 * the sender does.
 */
export const mqttCase: DestinationBenchCase = {
  type: 'mqtt',
  async open(name): Promise<BenchTarget> {
    const options = { protocolVersion: 5, clean: true, reconnectPeriod: 0 } as const;
    const reader = await connectAsync(brokerUrl, options);
    let count = 0;
    reader.on('message', () => count++);
    await reader.subscribeAsync(`${name}/#`, { qos: 1 });
    const publisher = await connectAsync(brokerUrl, options);
    return {
      settings: { url: brokerUrl, topic: `${name}/{entity_type}/{entity_id}` },
      received: () => Promise.resolve(count),
      reset: () => {
        count = 0;
        return Promise.resolve();
      },
      async ceiling(bodies, ids, inFlight) {
        await runLanes(ids.length, inFlight, (index) => {
          const id = ids[index] as string;
          return publisher.publishAsync(`${name}/invoice/inv_1`, bodies[index % bodies.length] as Buffer, {
            qos: 1,
            properties: {
              payloadFormatIndicator: true,
              contentType: 'application/json',
              userProperties: { 'evp-delivery-id': id, 'evp-event-id': id, 'evp-event-type': 'invoice.updated' },
            },
          });
        });
      },
      async close() {
        await publisher.endAsync();
        await reader.endAsync();
      },
    };
  },
};
