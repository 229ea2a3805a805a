import { GetQueueAttributesCommand, PurgeQueueCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startSqsServer } from '../../test/harness/aws-servers.js';
import type { BenchTarget, DestinationBenchCase } from './case.js';
import { runLanes } from './lanes.js';

/** SQS against ElasticMQ (the tests' local server): a queue `<name>`; the ceiling sends batches of ten, as the destination does. */
export const sqsCase: DestinationBenchCase = {
  type: 'sqs',
  async open(name): Promise<BenchTarget> {
    const server = await startSqsServer([name]);
    const client = new SQSClient({ endpoint: server.directEndpoint, region: server.region, credentials: server.credentials });
    const queueUrl = `${server.directEndpoint}/000000000000/${name}`;
    return {
      settings: {
        queue_url: queueUrl,
        region: server.region,
        endpoint: server.directEndpoint,
        access_key_id: server.credentials.accessKeyId,
        secret_access_key: server.credentials.secretAccessKey,
      },
      async received() {
        const answer = await client.send(
          new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
        );
        return Number(answer.Attributes?.ApproximateNumberOfMessages ?? 0);
      },
      reset: async () => {
        await client.send(new PurgeQueueCommand({ QueueUrl: queueUrl }));
      },
      async ceiling(bodies, ids, inFlight) {
        await runLanes(Math.ceil(ids.length / 10), inFlight, async (batch) => {
          const entries = ids.slice(batch * 10, (batch + 1) * 10).map((id, i) => ({
            Id: `m${i}`,
            MessageBody: (bodies[(batch * 10 + i) % bodies.length] as Buffer).toString(),
            MessageAttributes: { 'evp-delivery-id': { DataType: 'String', StringValue: id } },
          }));
          await client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
        });
      },
      async close() {
        client.destroy();
        await server.close();
      },
    };
  },
};
