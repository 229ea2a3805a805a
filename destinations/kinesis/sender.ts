import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { awsClientConfig, connectionKey, createClientCache, refuseEndpoint, type AwsConnection } from '../aws/connection.js';
import { sendRecords } from '../aws/records.js';
import type { SendOutcome } from '../send-outcome.js';
import type { PendingDelivery } from '../server-kind.js';

/** Kinesis's limits: 500 records a PutRecords, 1 MiB a record (data and partition key), 5 MiB a request. */
export const kinesisLimits = { maxCount: 500, maxBytes: 5 * 1024 * 1024, maxRecordBytes: 1024 * 1024 } as const;

export interface KinesisRequest {
  readonly connection: AwsConnection;
  readonly streamName: string;
  readonly deliveries: readonly PendingDelivery[];
  readonly timeoutMs: number;
}

export interface KinesisSender {
  /** Puts the deliveries as records; never rejects: every failure is an outcome. */
  send(request: KinesisRequest): Promise<SendOutcome>;
  close(): Promise<void>;
}

/**
 * Puts each delivery as one record whose data is `{"delivery_id":…,"event":{…}}` (Kinesis records
 * have no headers: the delivery id consumers deduplicate on travels in the data) and whose
 * partition key is the entity id, so an entity's records go to one shard, in order. Kinesis
 * answers each record: the failed ones (ProvisionedThroughputExceededException, InternalFailure)
 * fail and are retried alone, the others are delivered. The requests of an attempt go one after
 * another, keeping each entity's order.
 */
export function createKinesisSender(options: { readonly allowedHosts: readonly string[] }): KinesisSender {
  const allowed = new Set(options.allowedHosts.map((host) => host.toLowerCase()));
  const clients = createClientCache<KinesisClient>();

  async function send(request: KinesisRequest): Promise<SendOutcome> {
    const started = performance.now();
    const refusal = refuseEndpoint(request.connection, allowed);
    if (refusal !== undefined) return { result: { kind: 'error', code: 'destination_refused' }, durationMs: 0, error: refusal };
    const client = clients.get(
      connectionKey(request.connection, request.timeoutMs),
      () => new KinesisClient(awsClientConfig(request.connection, allowed, request.timeoutMs)),
    );
    return sendRecords(
      request.deliveries,
      {
        service: 'Kinesis',
        target: `stream ${request.streamName}`,
        limits: kinesisLimits,
        sizeOf: recordSize,
        oversize: { code: 'record_too_large', noun: 'a Kinesis record' },
        ordered: true,
        timeoutMs: request.timeoutMs,
        async send(chunk) {
          const answer = await client.send(
            new PutRecordsCommand({
              StreamName: request.streamName,
              Records: chunk.map((delivery) => ({ Data: Buffer.from(dataOf(delivery)), PartitionKey: partitionKeyOf(delivery.entityId) })),
            }),
            { abortSignal: AbortSignal.timeout(request.timeoutMs) },
          );
          return (answer.Records ?? []).flatMap((record, index) => {
            const delivery = chunk[index];
            if (record.ErrorCode === undefined || delivery === undefined) return [];
            const said = record.ErrorMessage ? `: ${record.ErrorMessage}` : '';
            return [
              { deliveryId: delivery.id, code: record.ErrorCode, message: `Kinesis refused the record (${record.ErrorCode})${said}` },
            ];
          });
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

/** The record's data: the delivery id beside the event object. */
export function dataOf(delivery: PendingDelivery): string {
  return `{"delivery_id":${JSON.stringify(delivery.id)},"event":${delivery.payload}}`;
}

/** Kinesis takes partition keys of 1 to 256 characters: a longer entity id is replaced by its SHA-256, the same for every event of it. */
export function partitionKeyOf(entityId: string): string {
  if (entityId.length >= 1 && entityId.length <= 256) return entityId;
  return createHash('sha256').update(entityId).digest('hex');
}

function recordSize(delivery: PendingDelivery): number {
  return Buffer.byteLength(dataOf(delivery)) + Buffer.byteLength(partitionKeyOf(delivery.entityId));
}
