import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startSqsServer } from '../../harness/aws-servers.js';
import { useTestContext } from '../../harness/index.js';
import { destinationContract, type ReceivedMessage } from '../contract.js';

const ctx = useTestContext('sqs_contract');
/** The contract's target names (contract.ts), each a queue made when ElasticMQ starts. */
const names = ['all', 'outage', 'replay', 'crash'].map((suffix) => `${ctx.topicPrefix.replace(/[^A-Za-z0-9]/g, '_')}_${suffix}`);

/** Against ElasticMQ (test/harness/aws-servers.ts); each target is a standard queue. */
destinationContract('sqs', ctx, async () => {
  const server = await startSqsServer(names);
  const reader = new SQSClient({ endpoint: server.directEndpoint, region: server.region, credentials: server.credentials });
  /** What each queue gave so far by SQS message id: messages are deleted as read, and a resend is a new message. */
  const seen = new Map<string, Map<string, ReceivedMessage>>();
  return {
    settings: (name) => ({
      queue_url: `${server.endpoint}/000000000000/${name}`,
      region: server.region,
      endpoint: server.endpoint,
      access_key_id: server.credentials.accessKeyId,
      secret_access_key: server.credentials.secretAccessKey,
    }),
    async received(name) {
      const got = seen.get(name) ?? new Map<string, ReceivedMessage>();
      seen.set(name, got);
      const queueUrl = `${server.directEndpoint}/000000000000/${name}`;
      for (;;) {
        const answer = await reader.send(
          new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] }),
        );
        const messages = answer.Messages ?? [];
        if (messages.length === 0) return [...got.values()];
        for (const message of messages) {
          const deliveryId = message.MessageAttributes?.['evp-delivery-id']?.StringValue ?? '';
          got.set(message.MessageId ?? '', { deliveryId, eventId: (JSON.parse(message.Body ?? '{}') as { id: string }).id });
        }
        const entries = messages.map((message, i) => ({ Id: `d${i}`, ReceiptHandle: message.ReceiptHandle }));
        await reader.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
      }
    },
    cut: () => server.stop(),
    restore: () => server.start(),
    close: async () => {
      reader.destroy();
      await server.close();
    },
  };
});
