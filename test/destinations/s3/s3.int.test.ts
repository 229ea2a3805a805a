import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3Server, type LocalAwsServer } from '../../harness/aws-servers.js';
import { useTestContext } from '../../harness/index.js';
import { startStreamerStack } from '../../consumers/streamer/setup.js';

const ctx = useTestContext('s3_destination');
let stack: Awaited<ReturnType<typeof startStreamerStack>>;
let server: LocalAwsServer;

beforeAll(async () => {
  server = await startS3Server(['exports']);
  stack = await startStreamerStack(ctx);
});

afterAll(async () => {
  await stack?.stop();
  await server?.close();
});

const settings = (prefix: string) => ({
  bucket: 'exports',
  region: server.region,
  endpoint: server.endpoint,
  access_key_id: server.credentials.accessKeyId,
  secret_access_key: server.credentials.secretAccessKey,
  force_path_style: true,
  key_template: `${prefix}/{type}/{yyyy}/{mm}/`,
  max_events: 5,
  max_wait_ms: 200,
});

describe('S3 destinations', () => {
  it('refuses bad settings at create with a 400 naming the field, and never answers the secret', async () => {
    const create = (s3: Record<string, unknown>) =>
      stack.call<{ error: { param: string } }>('POST', '/api/v1/destinations', { type: 's3', event_types: ['invoice.created'], s3 });
    const cases: [Record<string, unknown>, string][] = [
      [{ ...settings('x'), key_template: '{data.nothing}/' }, 's3.key_template'],
      [{ ...settings('x'), bucket: 'Not_A_Bucket' }, 's3.bucket'],
      [{ ...settings('x'), endpoint: 'http://10.1.2.3:9000' }, 's3.endpoint'],
      [{ ...settings('x'), region: 'EU WEST' }, 's3.region'],
      [{ ...settings('x'), secret_access_key: undefined }, 's3.secret_access_key'],
      [{ ...settings('x'), colour: 'red' }, 's3.colour'],
    ];
    for (const [s3, param] of cases) {
      const answer = await create(s3);
      expect([answer.status, answer.body.error.param]).toEqual([400, param]);
    }
    const made = await create(settings('answered'));
    expect(made.status).toBe(201);
    expect((made.body as unknown as { s3: Record<string, unknown> }).s3).toMatchObject({
      secret_access_key: 'set',
      access_key_id: 'S3RVER',
    });
  });
});
