import { CreateStreamCommand, DeleteStreamCommand, KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { readStream } from '../../test/destinations/kinesis/read-stream.js';
import { startKinesisServer } from '../../test/harness/aws-servers.js';
import type { BenchTarget, DestinationBenchCase } from './case.js';
import { runLanes } from './lanes.js';

/** Kinesis against kinesalite (the tests' local server): a stream `<name>` of two shards; the ceiling puts 500 records a request. */
export const kinesisCase: DestinationBenchCase = {
  type: 'kinesis',
  async open(name): Promise<BenchTarget> {
    const server = await startKinesisServer();
    const client = new KinesisClient({
      endpoint: server.directEndpoint,
      region: server.region,
      credentials: server.credentials,
      requestHandler: new NodeHttpHandler(),
    });
    const create = () => client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 2 }));
    await create();
    return {
      settings: {
        stream_name: name,
        region: server.region,
        endpoint: server.directEndpoint,
        access_key_id: server.credentials.accessKeyId,
        secret_access_key: server.credentials.secretAccessKey,
      },
      received: async () => (await readStream(client, name)).length,
      async reset() {
        await client.send(new DeleteStreamCommand({ StreamName: name }));
        await create();
      },
      async ceiling(bodies, ids, inFlight) {
        await runLanes(Math.ceil(ids.length / 500), inFlight, async (batch) => {
          const records = ids.slice(batch * 500, (batch + 1) * 500).map((id, i) => ({
            Data: Buffer.from(
              `{"delivery_id":${JSON.stringify(id)},"event":${(bodies[(batch * 500 + i) % bodies.length] as Buffer).toString()}}`,
            ),
            PartitionKey: `inv_${i % 100}`,
          }));
          await client.send(new PutRecordsCommand({ StreamName: name, Records: records }));
        });
      },
      async close() {
        client.destroy();
        await server.close();
      },
    };
  },
};
