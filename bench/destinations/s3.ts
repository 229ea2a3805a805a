import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startS3Server } from '../../test/harness/aws-servers.js';
import type { DestinationBenchCase } from './case.js';

/** S3 against s3rver: the ceiling puts objects of 1,000 lines, as the destination's default batch. */
export const s3Case: DestinationBenchCase = {
  type: 's3',
  async open() {
    const server = await startS3Server(['bench']);
    const client = new S3Client({
      endpoint: server.directEndpoint,
      region: server.region,
      credentials: server.credentials,
      forcePathStyle: true,
    });
    return {
      settings: (name) => ({
        bucket: 'bench',
        region: server.region,
        endpoint: server.directEndpoint,
        access_key_id: server.credentials.accessKeyId,
        secret_access_key: server.credentials.secretAccessKey,
        force_path_style: true,
        key_template: `${name}/`,
      }),
      async ceiling(name, count, payload) {
        for (let sent = 0, batch = 0; sent < count; batch++) {
          const lines = Math.min(1_000, count - sent);
          const body = `${payload}\n`.repeat(lines);
          await client.send(new PutObjectCommand({ Bucket: 'bench', Key: `${name}/ceiling-${batch}.ndjson`, Body: body }));
          sent += lines;
        }
      },
      async count(name) {
        let lines = 0;
        let token: string | undefined;
        do {
          const listed = await client.send(new ListObjectsV2Command({ Bucket: 'bench', Prefix: `${name}/`, ContinuationToken: token }));
          for (const object of listed.Contents ?? []) {
            const got = await client.send(new GetObjectCommand({ Bucket: 'bench', Key: object.Key }));
            lines += (await got.Body!.transformToString()).split('\n').filter((line) => line !== '').length;
          }
          token = listed.NextContinuationToken;
        } while (token !== undefined);
        return lines;
      },
      close: async () => {
        client.destroy();
        await server.close();
      },
    };
  },
};
