import { DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startS3Server } from '../../test/harness/aws-servers.js';
import type { BenchTarget, DestinationBenchCase } from './case.js';
import { runLanes } from './lanes.js';

/**
 * S3 against s3rver (the tests' local server): objects under `<name>/`, counted by their NDJSON
 * lines. The ceiling puts objects of 1,000 lines (the destination's default batch) with the SDK.
 */
export const s3Case: DestinationBenchCase = {
  type: 's3',
  async open(name): Promise<BenchTarget> {
    const server = await startS3Server(['bench']);
    const client = new S3Client({
      endpoint: server.directEndpoint,
      region: server.region,
      credentials: server.credentials,
      forcePathStyle: true,
    });
    const keys = async () =>
      ((await client.send(new ListObjectsV2Command({ Bucket: 'bench', Prefix: `${name}/` }))).Contents ?? []).map(
        (object) => object.Key ?? '',
      );
    return {
      settings: {
        bucket: 'bench',
        region: server.region,
        endpoint: server.directEndpoint,
        access_key_id: server.credentials.accessKeyId,
        secret_access_key: server.credentials.secretAccessKey,
        force_path_style: true,
        key_template: `${name}/`,
        // A batch goes when it holds 1,000 events (the default) or its first has waited 1 s.
        max_wait_ms: 1_000,
      },
      async received() {
        let lines = 0;
        for (const key of await keys()) {
          const got = await client.send(new GetObjectCommand({ Bucket: 'bench', Key: key }));
          lines += (await got.Body!.transformToString()).split('\n').filter((line) => line !== '').length;
        }
        return lines;
      },
      async reset() {
        const found = await keys();
        if (found.length > 0)
          await client.send(new DeleteObjectsCommand({ Bucket: 'bench', Delete: { Objects: found.map((Key) => ({ Key })) } }));
      },
      async ceiling(bodies, ids, inFlight) {
        await runLanes(Math.ceil(ids.length / 1_000), inFlight, async (batch) => {
          const lines = ids
            .slice(batch * 1_000, (batch + 1) * 1_000)
            .map((_, i) => (bodies[(batch * 1_000 + i) % bodies.length] as Buffer).toString());
          await client.send(
            new PutObjectCommand({ Bucket: 'bench', Key: `${name}/ceiling-${batch}.ndjson`, Body: `${lines.join('\n')}\n` }),
          );
        });
      },
      async close() {
        client.destroy();
        await server.close();
      },
    };
  },
};
