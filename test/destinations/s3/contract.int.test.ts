import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { startS3Server } from '../../harness/aws-servers.js';
import { useTestContext } from '../../harness/index.js';
import { destinationContract, type ReceivedMessage } from '../contract.js';

const ctx = useTestContext('s3_contract');

/** Against s3rver (test/harness/aws-servers.ts); each target is a key prefix of one bucket. */
destinationContract('s3', ctx, async () => {
  const server = await startS3Server(['contract']);
  const reader = new S3Client({
    endpoint: server.directEndpoint,
    region: server.region,
    credentials: server.credentials,
    forcePathStyle: true,
  });
  return {
    settings: (name) => ({
      bucket: 'contract',
      region: server.region,
      endpoint: server.endpoint,
      access_key_id: server.credentials.accessKeyId,
      secret_access_key: server.credentials.secretAccessKey,
      force_path_style: true,
      key_template: `${name}/{yyyy}/{mm}/{dd}/`,
      max_events: 10,
      max_wait_ms: 100,
    }),
    async received(name) {
      const messages: ReceivedMessage[] = [];
      let token: string | undefined;
      do {
        const listed = await reader.send(new ListObjectsV2Command({ Bucket: 'contract', Prefix: `${name}/`, ContinuationToken: token }));
        for (const object of listed.Contents ?? []) {
          const body = await reader.send(new GetObjectCommand({ Bucket: 'contract', Key: object.Key }));
          for (const line of (await body.Body!.transformToString()).split('\n').filter((row) => row !== '')) {
            const event = JSON.parse(line) as { delivery_id: string; id: string };
            messages.push({ deliveryId: event.delivery_id, eventId: event.id });
          }
        }
        token = listed.NextContinuationToken;
      } while (token !== undefined);
      return messages;
    },
    cut: () => server.stop(),
    restore: () => server.start(),
    close: async () => {
      reader.destroy();
      await server.close();
    },
  };
});
