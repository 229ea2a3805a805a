import { amqp } from './amqp/kind.js';
import { file } from './file/kind.js';
import type { DestinationKind, DestinationTarget } from './kind.js';
import { kafka } from './kafka/kind.js';
import { kinesis } from './kinesis/kind.js';
import { s3 } from './s3/kind.js';
import { sqs } from './sqs/kind.js';
import { mqtt } from './mqtt/kind.js';
import { redis } from './redis/kind.js';
import { nats } from './nats/kind.js';
import { webhook } from './webhook/kind.js';

/**
 * The destination types, registered here once. The API's schemas, the CLI's flags, the console's
 * form and list, and the streamer's senders (server.ts, its Node half) all come from this table.
 * Browser-safe: the console imports it.
 */
export const destinationKinds = [webhook, kafka, file, redis, mqtt, s3, sqs, kinesis, amqp, nats] as const;

export type DestinationTypeName = (typeof destinationKinds)[number]['name'];

export type { CliFlag, DestinationKind, DestinationTarget, FormField } from './kind.js';

export function kindOf(name: string, kinds: readonly DestinationKind[] = destinationKinds): DestinationKind | undefined {
  return kinds.find((kind) => kind.name === name);
}

/** Where a destination (as the API answers it) sends; undefined for a type this build does not know. */
export function targetOf(
  destination: { readonly type: string; readonly [setting: string]: unknown },
  kinds: readonly DestinationKind[] = destinationKinds,
): DestinationTarget | undefined {
  const kind = kindOf(destination.type, kinds);
  const settings = settingsOf(destination);
  return kind === undefined || settings === undefined ? undefined : kind.target(settings);
}

/** The settings object of a destination as the API answers it: the one named after its type. */
export function settingsOf(destination: {
  readonly type: string;
  readonly [setting: string]: unknown;
}): Readonly<Record<string, unknown>> | undefined {
  const settings = destination[destination.type];
  return isRecord(settings) ? settings : undefined;
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
