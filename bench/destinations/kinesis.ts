import { CreateStreamCommand, KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { startKinesisServer } from '../../test/harness/aws-servers.js';
import { readStream } from '../../test/destinations/kinesis/read-stream.js';
import type { DestinationBenchCase } from './case.js';

/** Kinesis against kinesalite: the ceiling puts 500 records a request, as the destination does. */
export const kinesisCase: DestinationBenchCase = {
  type: 'kinesis',
  async open() {
    const server = await startKinesisServer();
    const client = new KinesisClient({
      endpoint: server.directEndpoint,
      region: server.region,
      credentials: server.credentials,
      requestHandler: new NodeHttpHandler(),
    });
    const made = new Set<string>();
    const stream = async (name: string) => {
      if (!made.has(name)) await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 2 }));
      made.add(name);
      return name;
    };
    return {
      settings: (name) => {
        void stream(name);
        return {
          stream_name: name,
          region: server.region,
          endpoint: server.directEndpoint,
          access_key_id: server.credentials.accessKeyId,
          secret_access_key: server.credentials.secretAccessKey,
        };
      },
      async ceiling(name, count, payload) {
        const streamName = await stream(name);
        for (let sent = 0; sent < count; sent += 500) {
          const records = Array.from({ length: Math.min(500, count - sent) }, (_, i) => ({
            Data: Buffer.from(`{"delivery_id":"dlv_${sent + i}","event":${payload}}`),
            PartitionKey: `entity_${(sent + i) % 100}`,
          }));
          await client.send(new PutRecordsCommand({ StreamName: streamName, Records: records }));
        }
      },
      count: async (name) => (await readStream(client, await stream(name))).length,
      close: async () => {
        client.destroy();
        await server.close();
      },
    };
  },
};
