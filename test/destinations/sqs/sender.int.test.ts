import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PendingDelivery } from '../../../destinations/server.js';
import { createSqsSender, type SqsRequest } from '../../../destinations/sqs/sender.js';
import { startSqsServer, type LocalAwsServer } from '../../harness/aws-servers.js';

const sender = createSqsSender({ allowedHosts: ['127.0.0.1'] });
let server: LocalAwsServer;
let reader: SQSClient;

beforeAll(async () => {
  server = await startSqsServer(['plain', 'ordered.fifo', 'outage']);
  reader = new SQSClient({ endpoint: server.directEndpoint, region: server.region, credentials: server.credentials });
}, 120_000);

afterAll(async () => {
  await sender.close();
  reader?.destroy();
  await server?.close();
});

const queueUrl = (name: string) => `${server.endpoint}/000000000000/${name}`;

function deliveries(
  count: number,
  prefix: string,
  payload = (i: number) => JSON.stringify({ id: `evt_${prefix}_${i}` }),
): PendingDelivery[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `dlv_${prefix}_${i}`,
    eventId: `evt_${prefix}_${i}`,
    eventType: 'invoice.created',
    entityId: `inv_${i % 3}`,
    payload: payload(i),
  }));
}

function request(name: string, items: readonly PendingDelivery[]): SqsRequest {
  return {
    connection: { region: server.region, endpoint: server.endpoint, access_key_id: 'local', secret_access_key: 'local-secret' },
    queueUrl: queueUrl(name),
    deliveries: items,
    timeoutMs: 5_000,
  };
}

/** Every message of the queue, read past the proxy, with the attributes the sender sets. */
async function drain(name: string, count: number) {
  const got: { body: string; deliveryId: string; group: string | undefined; dedup: string | undefined }[] = [];
  for (let tries = 0; tries < 40 && got.length < count; tries++) {
    const answer = await reader.send(
      new ReceiveMessageCommand({
        QueueUrl: `${server.directEndpoint}/000000000000/${name}`,
        MaxNumberOfMessages: 10,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['MessageGroupId', 'MessageDeduplicationId'],
        WaitTimeSeconds: 1,
        VisibilityTimeout: 600,
      }),
    );
    const messages = answer.Messages ?? [];
    if (messages.length > 0) {
      // Deleted as read: a FIFO queue hands out a group's next messages only then.
      const entries = messages.map((message, i) => ({ Id: `d${i}`, ReceiptHandle: message.ReceiptHandle }));
      await reader.send(new DeleteMessageBatchCommand({ QueueUrl: `${server.directEndpoint}/000000000000/${name}`, Entries: entries }));
    }
    for (const message of messages) {
      got.push({
        body: message.Body ?? '',
        deliveryId: message.MessageAttributes?.['evp-delivery-id']?.StringValue ?? '',
        group: message.Attributes?.MessageGroupId,
        dedup: message.Attributes?.MessageDeduplicationId,
      });
    }
  }
  return got;
}

describe('SQS sender', () => {
  it('sends every delivery as a message with its delivery id, ten to a batch', async () => {
    const items = deliveries(23, 'plain');
    expect((await sender.send(request('plain', items))).result).toEqual({ kind: 'response', status: 200 });
    const got = await drain('plain', 23);
    expect(got.map((message) => message.deliveryId).sort()).toEqual(items.map((item) => item.id).sort());
    expect(got.every((message) => items.find((item) => item.id === message.deliveryId)?.payload === message.body)).toBe(true);
  });

  it('gives a FIFO queue the entity as the group and the delivery id as the deduplication id, in order', async () => {
    const items = deliveries(12, 'fifo');
    expect((await sender.send(request('ordered.fifo', items))).result).toEqual({ kind: 'response', status: 200 });
    const got = await drain('ordered.fifo', 12);
    for (const message of got) {
      const item = items.find((one) => one.id === message.deliveryId);
      expect([message.group, message.dedup]).toEqual([item?.entityId, item?.id]);
    }
    const inv0 = got.filter((message) => message.group === 'inv_0').map((message) => message.deliveryId);
    expect(inv0).toEqual(items.filter((item) => item.entityId === 'inv_0').map((item) => item.id));
  });

  it('fails only an oversize message, with the reason, and delivers the rest of the batch', async () => {
    const items = deliveries(3, 'big', (i) => JSON.stringify({ id: `evt_big_${i}`, pad: i === 1 ? 'x'.repeat(300 * 1024) : '' }));
    const outcome = await sender.send(request('plain', items));
    expect(outcome.failedDeliveryIds).toEqual(new Set(['dlv_big_1']));
    expect(outcome.result).toEqual({ kind: 'error', code: 'message_too_large' });
    expect(outcome.error).toMatch(
      /^1 of 3 records were not written: the event is \d+ bytes as an SQS message, over SQS's limit of 262144$/,
    );
    expect((await drain('plain', 2)).map((message) => message.deliveryId).sort()).toEqual(['dlv_big_0', 'dlv_big_2']);
  });

  it('fails an attempt to a missing queue with the service error', async () => {
    const outcome = await sender.send(request('missing', deliveries(2, 'missing')));
    expect(outcome.failedDeliveryIds).toBeUndefined();
    expect(outcome.result.kind).toBe('error');
    expect(outcome.error).toMatch(
      /^SQS refused the write to queue .*missing \(QueueDoesNotExist, HTTP 400\): The specified queue does not exist\.$/,
    );
  });

  it('fails an attempt while the queue is unreachable, and delivers once it is back', async () => {
    await server.stop();
    try {
      expect((await sender.send(request('outage', deliveries(2, 'outage')))).result).toEqual({ kind: 'error', code: 'aws_unreachable' });
    } finally {
      await server.start();
    }
    expect((await sender.send(request('outage', deliveries(2, 'outage')))).result).toEqual({ kind: 'response', status: 200 });
  });

  it('refuses a queue URL on an internal host the operator did not allow', async () => {
    const strict = createSqsSender({ allowedHosts: [] });
    try {
      const outcome = await strict.send(request('plain', deliveries(1, 'strict')));
      expect(outcome.result).toEqual({ kind: 'error', code: 'destination_refused' });
    } finally {
      await strict.close();
    }
  });
});
