import { Type } from 'typebox';
import { SafeInteger, SafeString } from '../../core/request-schemas.js';
import type { CliFlag, FormField, SecretSetting } from '../kind.js';

/**
 * What every AWS destination type (S3, SQS, Kinesis) is given to reach its service: a region, an
 * optional endpoint of an S3- or AWS-compatible store, and an access key of the tenant's own. The
 * streamer's own AWS identity is never used: a destination without credentials would otherwise
 * write with the operator's rights. Browser-safe.
 */
export const awsSettings = {
  region: SafeString({
    minLength: 1,
    maxLength: 50,
    description: 'The AWS region, e.g. eu-west-1 (any name an S3-compatible store accepts).',
  }),
  endpoint: Type.Optional(
    Type.Union([
      SafeString({
        minLength: 1,
        maxLength: 2000,
        description:
          "The service's URL, for an AWS-compatible store; default the AWS one of the region. https unless the host is in DESTINATION_ALLOWED_HOSTS; internal addresses only for those hosts.",
      }),
      Type.Null(),
    ]),
  ),
  access_key_id: SafeString({ minLength: 1, maxLength: 128, description: 'The access key id the requests are signed with.' }),
  secret_access_key: Type.Optional(
    SafeString({
      minLength: 1,
      maxLength: 256,
      description: 'Its secret. Sealed at rest and never answered (answers say "set"); give it again to change the endpoint.',
    }),
  ),
};

/** The secret goes (as signatures) to the endpoint: pointed elsewhere, it must be typed again. */
export const awsSecrets: readonly SecretSetting[] = [{ setting: 'secret_access_key', boundTo: ['endpoint'] }];

/** How many events one attempt carries, and how long the first may wait for more: shared by the batched types. */
export const batchSettings = (most: number, description: string) => ({
  max_events: Type.Optional(SafeInteger({ minimum: 1, maximum: most, description })),
  max_wait_ms: Type.Optional(
    SafeInteger({ minimum: 0, maximum: 300_000, description: 'How long the first event of a batch may wait for more, in ms.' }),
  ),
});

/** The console's inputs; ids carry the type, as every type's inputs share one page. */
export const awsFields = (type: string): readonly FormField[] => [
  { setting: 'region', id: `dst-${type}-region`, label: 'Region', input: 'text', placeholder: 'eu-west-1' },
  { setting: 'endpoint', id: `dst-${type}-endpoint`, label: 'Endpoint (compatible stores)', input: 'url', placeholder: 'empty: AWS' },
  { setting: 'access_key_id', id: `dst-${type}-access-key-id`, label: 'Access key id', input: 'text' },
  { setting: 'secret_access_key', id: `dst-${type}-secret-access-key`, label: 'Secret access key', input: 'password' },
];

/** `evp destinations` flags; named after the type, since every type's flags share one command. */
export const awsFlags = (type: string): readonly CliFlag[] => [
  { setting: 'region', flag: `--${type}-region <region>`, description: 'the AWS region' },
  { setting: 'endpoint', flag: `--${type}-endpoint <url>`, description: 'the URL of an AWS-compatible service (default AWS)' },
  { setting: 'access_key_id', flag: `--${type}-access-key-id <id>`, description: 'the access key id' },
  {
    setting: 'secret_access_key',
    flag: `--${type}-secret-access-key-file <file>`,
    description: 'a file holding the secret access key (one line)',
    onUpdate: 'a file holding the secret access key; needed again to change the endpoint',
    value: 'file',
  },
];

/** Where an AWS destination sends, as the console and the CLI show it. */
export function awsTarget(name: string, settings: { readonly region: string; readonly endpoint?: string | null | undefined }) {
  return { name, on: settings.endpoint ?? settings.region };
}
