import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateStreamCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKinesisSender, type KinesisRequest } from '../../../destinations/kinesis/sender.js';
import type { PendingDelivery } from '../../../destinations/server.js';
import { startKinesisServer, type LocalAwsServer } from '../../harness/aws-servers.js';
import { readStream } from './read-stream.js';

const sender = createKinesisSender({ allowedHosts: ['127.0.0.1'] });
let server: LocalAwsServer;
let admin: KinesisClient;

beforeAll(async () => {
  server = await startKinesisServer();
  admin = new KinesisClient({
    endpoint: server.directEndpoint,
    region: server.region,
    credentials: server.credentials,
    requestHandler: new NodeHttpHandler(),
  });
  for (const name of ['events', 'outage']) await admin.send(new CreateStreamCommand({ StreamName: name, ShardCount: 2 }));
});

afterAll(async () => {
  await sender.close();
  admin?.destroy();
  await server?.close();
});

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

function request(stream: string, items: readonly PendingDelivery[], endpoint = server.endpoint): KinesisRequest {
  return {
    connection: { region: server.region, endpoint, access_key_id: 'local', secret_access_key: 'local-secret' },
    streamName: stream,
    deliveries: items,
    timeoutMs: 5_000,
  };
}

describe('Kinesis sender', () => {
  it('puts every delivery as a record keyed by its entity, in each entity order, with its delivery id', async () => {
    const items = deliveries(30, 'put');
    expect((await sender.send(request('events', items))).result).toEqual({ kind: 'response', status: 200 });
    const records = await readStream(admin, 'events');
    expect(records.map((record) => record.deliveryId).sort()).toEqual(items.map((item) => item.id).sort());
    for (const entity of ['inv_0', 'inv_1', 'inv_2']) {
      const put = records.filter((record) => record.partitionKey === entity).map((record) => record.deliveryId);
      expect(put).toEqual(items.filter((item) => item.entityId === entity).map((item) => item.id));
    }
  });

  it('fails only an oversize record, with the reason, and puts the rest', async () => {
    const items = deliveries(3, 'big', (i) => JSON.stringify({ id: `evt_big_${i}`, pad: i === 1 ? 'x'.repeat(1024 * 1024) : '' }));
    const outcome = await sender.send(request('events', items));
    expect(outcome.failedDeliveryIds).toEqual(new Set(['dlv_big_1']));
    expect(outcome.error).toMatch(/^1 of 3 records were not written: the event is \d+ bytes as a Kinesis record, over Kinesis's limit/);
  });

  it('fails an attempt to a missing stream with the service error', async () => {
    const outcome = await sender.send(request('missing', deliveries(2, 'missing')));
    expect(outcome.result).toEqual({ kind: 'error', code: 'ResourceNotFoundException' });
    expect(outcome.error).toMatch(/^Kinesis refused the write to stream missing \(ResourceNotFoundException, HTTP 400\)/);
  });

  it('fails an attempt while the stream is unreachable, and puts the records once it is back', async () => {
    await server.stop();
    try {
      expect((await sender.send(request('outage', deliveries(2, 'outage')))).result).toEqual({ kind: 'error', code: 'aws_unreachable' });
    } finally {
      await server.start();
    }
    expect((await sender.send(request('outage', deliveries(2, 'outage')))).result).toEqual({ kind: 'response', status: 200 });
  });

  it('retries only the records Kinesis refused (throughput exceeded), as a signed PutRecords shows', async () => {
    // kinesalite never throttles: a local endpoint answers as Kinesis does when one record of two is refused.
    const seen: { authorization: string; target: string; records: number }[] = [];
    const fake: Server = createServer((incoming, answer) => {
      let body = '';
      incoming.on('data', (chunk: Buffer) => (body += chunk.toString()));
      incoming.on('end', () => {
        const sent = JSON.parse(body) as { Records: unknown[] };
        seen.push({
          authorization: String(incoming.headers.authorization),
          target: String(incoming.headers['x-amz-target']),
          records: sent.Records.length,
        });
        answer.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        answer.end(
          JSON.stringify({
            FailedRecordCount: 1,
            Records: [
              { SequenceNumber: '1', ShardId: 'shardId-000000000000' },
              { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'Rate exceeded for shard shardId-000000000001' },
            ],
          }),
        );
      });
    });
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    try {
      const endpoint = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
      const outcome = await sender.send(request('events', deliveries(2, 'throttled'), endpoint));
      expect(seen).toEqual([
        {
          authorization: expect.stringMatching(/^AWS4-HMAC-SHA256 Credential=local\/\d{8}\/us-east-1\/kinesis\/aws4_request/),
          target: 'Kinesis_20131202.PutRecords',
          records: 2,
        },
      ]);
      expect(outcome.failedDeliveryIds).toEqual(new Set(['dlv_throttled_1']));
      expect(outcome.result).toEqual({ kind: 'error', code: 'ProvisionedThroughputExceededException' });
      expect(outcome.error).toBe(
        '1 of 2 records were not written: Kinesis refused the record (ProvisionedThroughputExceededException): Rate exceeded for shard shardId-000000000001',
      );
    } finally {
      fake.closeAllConnections();
      await new Promise<void>((resolve) => fake.close(() => resolve()));
    }
  });
});
