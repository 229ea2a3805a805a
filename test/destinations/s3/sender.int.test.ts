import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTemplate, parseTemplate, type FieldTemplate } from '../../../core/field-template.js';
import { createS3Sender, type S3Request } from '../../../destinations/s3/sender.js';
import { startS3Server, type LocalAwsServer } from '../../harness/aws-servers.js';

const sender = createS3Sender({ allowedHosts: ['127.0.0.1'] });
let server: LocalAwsServer;
let reader: S3Client;

beforeAll(async () => {
  server = await startS3Server(['events', 'other']);
  reader = new S3Client({ endpoint: server.directEndpoint, region: server.region, credentials: server.credentials, forcePathStyle: true });
});

afterAll(async () => {
  await sender.close();
  reader.destroy();
  await server.close();
});

function template(text: string): FieldTemplate {
  const parsed = parseTemplate(text, { time: true });
  if (!isTemplate(parsed)) throw new Error(parsed.problem);
  return parsed;
}

const events = [
  { id: 'evt_1', type: 'invoice.created', entity_type: 'invoice', created_at: '2026-03-04T05:06:07.000Z' },
  { id: 'evt_2', type: 'invoice.paid', entity_type: 'invoice', created_at: '2026-03-04T05:06:08.000Z' },
];

function request(overrides: Partial<S3Request> = {}): S3Request {
  return {
    connection: { region: server.region, endpoint: server.endpoint, access_key_id: 'S3RVER', secret_access_key: 'S3RVER' },
    bucket: 'events',
    forcePathStyle: true,
    keyTemplate: template('{entity_type}/{yyyy}/{mm}/{dd}/{hh}/'),
    gzip: false,
    batchId: 'bat_1',
    lines: events.map((event) => JSON.stringify(event)),
    firstEvent: events[0] ?? {},
    timeoutMs: 5_000,
    ...overrides,
  };
}

async function read(bucket: string, key: string): Promise<Buffer> {
  const object = await reader.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await object.Body!.transformToByteArray());
}

describe('S3 sender', () => {
  it('writes a batch as one NDJSON object keyed by the template and the batch id', async () => {
    const outcome = await sender.send(request());
    expect(outcome).toMatchObject({ result: { kind: 'response', status: 200 } });
    const text = (await read('events', 'invoice/2026/03/04/05/bat_1.ndjson')).toString('utf8');
    expect(text.split('\n')).toEqual([JSON.stringify(events[0]), JSON.stringify(events[1]), '']);
  });

  it('overwrites the object when a batch is retried, so the bucket holds it once', async () => {
    await sender.send(request({ batchId: 'bat_retry' }));
    await sender.send(request({ batchId: 'bat_retry' }));
    const listed = await reader.send(new ListObjectsV2Command({ Bucket: 'events', Prefix: 'invoice/2026/03/04/05/bat_retry' }));
    expect(listed.Contents?.map((object) => object.Key)).toEqual(['invoice/2026/03/04/05/bat_retry.ndjson']);
  });

  it('gzips objects when asked, naming them .ndjson.gz', async () => {
    const outcome = await sender.send(request({ gzip: true, batchId: 'bat_gz', keyTemplate: template('gz/') }));
    expect(outcome.result).toEqual({ kind: 'response', status: 200 });
    expect(gunzipSync(await read('events', 'gz/bat_gz.ndjson.gz')).toString('utf8')).toBe(
      `${JSON.stringify(events[0])}\n${JSON.stringify(events[1])}\n`,
    );
  });

  it('fails an attempt with wrong credentials, naming the settings and never the secret', async () => {
    // s3rver knows its access key ids but does not check SigV4 signatures: a wrong key id stands for wrong credentials.
    const connection = {
      region: server.region,
      endpoint: server.endpoint,
      access_key_id: 'WRONG-KEY',
      secret_access_key: 'wrong-secret-1',
    };
    const outcome = await sender.send(request({ connection }));
    expect(outcome.result).toEqual({ kind: 'error', code: 'aws_credentials_refused' });
    expect(outcome.error).toContain('check access_key_id and secret_access_key');
    expect(outcome.error).not.toContain('wrong-secret-1');
  });

  it('fails an attempt to a missing bucket with S3 own error name', async () => {
    const outcome = await sender.send(request({ bucket: 'missing-bucket' }));
    expect(outcome.result).toEqual({ kind: 'error', code: 'NoSuchBucket' });
    expect(outcome.error).toMatch(/^S3 refused the write to bucket missing-bucket \(NoSuchBucket, HTTP 404\)/);
  });

  it('fails an attempt while the store is unreachable, and delivers once it is back', async () => {
    await server.stop();
    try {
      const outcome = await sender.send(request({ batchId: 'bat_outage' }));
      expect(outcome.result).toEqual({ kind: 'error', code: 'aws_unreachable' });
    } finally {
      await server.start();
    }
    expect((await sender.send(request({ batchId: 'bat_outage' }))).result).toEqual({ kind: 'response', status: 200 });
  });

  it('refuses an internal endpoint the operator did not allow, sending nothing', async () => {
    const strict = createS3Sender({ allowedHosts: [] });
    try {
      const outcome = await strict.send(request());
      expect(outcome.result).toEqual({ kind: 'error', code: 'destination_refused' });
      expect(outcome.error).toContain('DESTINATION_ALLOWED_HOSTS');
    } finally {
      await strict.close();
    }
  });

  it('fails an attempt whose key template names a field the event lacks', async () => {
    const outcome = await sender.send(request({ keyTemplate: template('{data.region}/') }));
    expect(outcome.result).toEqual({ kind: 'error', code: 'template_failed' });
    expect(outcome.error).toContain('s3.key_template');
  });
});
