import { DescribeStreamCommand, GetRecordsCommand, GetShardIteratorCommand, type KinesisClient } from '@aws-sdk/client-kinesis';

/** A record of the stream as the Kinesis destination writes it. */
export interface StreamRecord {
  readonly partitionKey: string;
  readonly deliveryId: string;
  readonly eventId: string;
}

/** Every record of every shard of the stream, from the start, each shard in its order. */
export async function readStream(client: KinesisClient, stream: string): Promise<StreamRecord[]> {
  const described = await client.send(new DescribeStreamCommand({ StreamName: stream }));
  const records: StreamRecord[] = [];
  for (const shard of described.StreamDescription?.Shards ?? []) {
    const { ShardIterator } = await client.send(
      new GetShardIteratorCommand({ StreamName: stream, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }),
    );
    let iterator = ShardIterator;
    while (iterator !== undefined) {
      const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
      for (const record of page.Records ?? []) {
        const data = JSON.parse(Buffer.from(record.Data ?? new Uint8Array()).toString('utf8')) as {
          delivery_id: string;
          event: { id: string };
        };
        records.push({ partitionKey: record.PartitionKey ?? '', deliveryId: data.delivery_id, eventId: data.event.id });
      }
      iterator = (page.Records ?? []).length === 0 ? undefined : page.NextShardIterator;
    }
  }
  return records;
}
