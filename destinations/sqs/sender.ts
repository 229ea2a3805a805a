import { performance } from 'node:perf_hooks';
import { SendMessageBatchCommand, SQSClient, type SendMessageBatchRequestEntry } from '@aws-sdk/client-sqs';
import { awsClientConfig, connectionKey, createClientCache, refuseEndpoint, type AwsConnection } from '../aws/connection.js';
import { sendRecords } from '../aws/records.js';
import type { SendOutcome } from '../send-outcome.js';
import type { PendingDelivery } from '../server-kind.js';

/** SQS's limits: 10 messages a SendMessageBatch, 256 KiB a message and a whole batch (body and attributes). */
export const sqsLimits = { maxCount: 10, maxBytes: 256 * 1024, maxRecordBytes: 256 * 1024 } as const;

export interface SqsRequest {
  readonly connection: AwsConnection;
  readonly queueUrl: string;
  readonly deliveries: readonly PendingDelivery[];
  readonly timeoutMs: number;
}

export interface SqsSender {
  /** Sends the deliveries as messages; never rejects: every failure is an outcome. */
  send(request: SqsRequest): Promise<SendOutcome>;
  close(): Promise<void>;
}

/**
 * Sends each delivery as one message, ten to a SendMessageBatch. SQS answers each entry: the ones
 * it refused fail (and are retried) alone, the others are delivered. A FIFO queue (`.fifo`) gets
 * the entity id as MessageGroupId (each entity's messages in order) and the delivery id as
 * MessageDeduplicationId (a retry within SQS's 5-minute window is dropped by SQS); the batches of
 * an attempt go one after another so the queue takes them in order. Every message carries the
 * delivery id, event id and event type as attributes, for consumers to deduplicate on.
 */
export function createSqsSender(options: { readonly allowedHosts: readonly string[] }): SqsSender {
  const allowed = new Set(options.allowedHosts.map((host) => host.toLowerCase()));
  const clients = createClientCache<SQSClient>();

  async function send(request: SqsRequest): Promise<SendOutcome> {
    const started = performance.now();
    const refusal = refuseEndpoint(request.connection, allowed) ?? refuseQueueUrl(request.queueUrl, request.connection, allowed);
    if (refusal !== undefined) return { result: { kind: 'error', code: 'destination_refused' }, durationMs: 0, error: refusal };
    const fifo = request.queueUrl.endsWith('.fifo');
    const entries = new Map(request.deliveries.map((delivery, index) => [delivery.id, entryOf(delivery, index, fifo)]));
    const client = clients.get(
      connectionKey(request.connection, request.timeoutMs),
      () => new SQSClient(awsClientConfig(request.connection, allowed, request.timeoutMs)),
    );
    return sendRecords(
      request.deliveries,
      {
        service: 'SQS',
        target: `queue ${request.queueUrl}`,
        limits: sqsLimits,
        sizeOf: (delivery) => entrySize(entries.get(delivery.id)),
        oversize: { code: 'message_too_large', noun: 'an SQS message' },
        ordered: fifo,
        timeoutMs: request.timeoutMs,
        async send(chunk) {
          const byEntry = new Map(chunk.map((delivery) => [entries.get(delivery.id)?.Id ?? '', delivery.id]));
          const answer = await client.send(
            new SendMessageBatchCommand({ QueueUrl: request.queueUrl, Entries: chunk.map((delivery) => entries.get(delivery.id)!) }),
            { abortSignal: AbortSignal.timeout(request.timeoutMs) },
          );
          return (answer.Failed ?? []).map((failed) => ({
            deliveryId: byEntry.get(failed.Id ?? '') ?? '',
            code: failed.Code ?? 'failed',
            message: `SQS refused the message (${failed.Code ?? 'failed'}${failed.SenderFault === true ? ', sender fault' : ''})${failed.Message ? `: ${failed.Message}` : ''}`,
          }));
        },
      },
      started,
    );
  }

  return {
    send,
    close: () => {
      clients.close();
      return Promise.resolve();
    },
  };
}

function entryOf(delivery: PendingDelivery, index: number, fifo: boolean): SendMessageBatchRequestEntry {
  const text = (value: string) => ({ DataType: 'String', StringValue: value });
  return {
    Id: `m${index}`,
    MessageBody: delivery.payload,
    MessageAttributes: {
      'evp-delivery-id': text(delivery.id),
      'evp-event-id': text(delivery.eventId),
      'evp-event-type': text(delivery.eventType),
    },
    ...(fifo ? { MessageGroupId: delivery.entityId, MessageDeduplicationId: delivery.id } : {}),
  };
}

/** A message's size as SQS counts it: the body's bytes and each attribute's name, type and value. */
function entrySize(entry: SendMessageBatchRequestEntry | undefined): number {
  if (entry === undefined) return 0;
  let size = Buffer.byteLength(entry.MessageBody ?? '');
  for (const [name, value] of Object.entries(entry.MessageAttributes ?? {})) {
    size += Buffer.byteLength(name) + Buffer.byteLength(value.DataType ?? '') + Buffer.byteLength(value.StringValue ?? '');
  }
  return size;
}

/** The queue's URL is where the SDK sends: held to the endpoint's rules. */
function refuseQueueUrl(queueUrl: string, connection: AwsConnection, allowed: ReadonlySet<string>): string | undefined {
  return refuseEndpoint({ ...connection, endpoint: queueUrl }, allowed);
}
