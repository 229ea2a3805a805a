import { CreateStreamCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { startKinesisServer } from '../../harness/aws-servers.js';
import { useTestContext } from '../../harness/index.js';
import { destinationContract } from '../contract.js';
import { readStream } from './read-stream.js';

const ctx = useTestContext('kinesis_contract');
/** The contract's target names (contract.ts), each a stream of two shards. */
const names = ['all', 'outage', 'replay', 'crash'].map((suffix) => `${ctx.topicPrefix.replace(/[^A-Za-z0-9]/g, '_')}_${suffix}`);

/** Against kinesalite (test/harness/aws-servers.ts). */
destinationContract('kinesis', ctx, async () => {
  const server = await startKinesisServer();
  const reader = new KinesisClient({
    endpoint: server.directEndpoint,
    region: server.region,
    credentials: server.credentials,
    requestHandler: new NodeHttpHandler(),
  });
  for (const name of names) await reader.send(new CreateStreamCommand({ StreamName: name, ShardCount: 2 }));
  return {
    settings: (name) => ({
      stream_name: name,
      region: server.region,
      endpoint: server.endpoint,
      access_key_id: server.credentials.accessKeyId,
      secret_access_key: server.credentials.secretAccessKey,
    }),
    received: async (name) => (await readStream(reader, name)).map(({ deliveryId, eventId }) => ({ deliveryId, eventId })),
    cut: () => server.stop(),
    restore: () => server.start(),
    close: async () => {
      reader.destroy();
      await server.close();
    },
  };
});
