import { GetQueueAttributesCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startSqsServer } from '../../test/harness/aws-servers.js';
import type { DestinationBenchCase } from './case.js';

/** SQS against ElasticMQ: the ceiling sends batches of ten, as the destination does. */
export const sqsCase = (names: readonly string[]): DestinationBenchCase => ({
  type: 'sqs',
  async open() {
    const server = await startSqsServer(names);
    const client = new SQSClient({ endpoint: server.directEndpoint, region: server.region, credentials: server.credentials });
    const queueUrl = (name: string) => `${server.directEndpoint}/000000000000/${name}`;
    return {
      settings: (name) => ({
        queue_url: queueUrl(name),
        region: server.region,
        endpoint: server.directEndpoint,
        access_key_id: server.credentials.accessKeyId,
        secret_access_key: server.credentials.secretAccessKey,
      }),
      async ceiling(name, count, payload) {
        for (let sent = 0; sent < count; sent += 10) {
          const entries = Array.from({ length: Math.min(10, count - sent) }, (_, i) => ({ Id: `m${i}`, MessageBody: payload }));
          await client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl(name), Entries: entries }));
        }
      },
      async count(name) {
        const answer = await client.send(
          new GetQueueAttributesCommand({ QueueUrl: queueUrl(name), AttributeNames: ['ApproximateNumberOfMessages'] }),
        );
        return Number(answer.Attributes?.ApproximateNumberOfMessages ?? 0);
      },
      close: async () => {
        client.destroy();
        await server.close();
      },
    };
  },
});
