import { amqpServer } from './amqp/server.js';
import type { DestinationProblem } from '../core/destination-rules.js';
import { fileServer } from './file/server.js';
import type { DestinationTypeName } from './index.js';
import { kafkaServer } from './kafka/server.js';
import { kinesisServer } from './kinesis/server.js';
import { s3Server } from './s3/server.js';
import { sqsServer } from './sqs/server.js';
import { mqttServer } from './mqtt/server.js';
import { redisServer } from './redis/server.js';
import { natsServer } from './nats/server.js';
import {
  refusedPlan,
  type CheckContext,
  type DeliveryPlan,
  type PlanDefaults,
  type SenderEnvironment,
  type ServerKind,
  type StartedKind,
} from './server-kind.js';
import { webhookServer } from './webhook/server.js';

/**
 * The Node half of each type in index.ts (tsc fails when a type has none): the API's checks and
 * the streamer's senders. Never imported by the console.
 */
const byName = {
  webhook: webhookServer,
  kafka: kafkaServer,
  file: fileServer,
  redis: redisServer,
  mqtt: mqttServer,
  s3: s3Server,
  sqs: sqsServer,
  kinesis: kinesisServer,
  amqp: amqpServer,
  nats: natsServer,
} satisfies Record<DestinationTypeName, ServerKind>;

export const serverKinds: readonly ServerKind[] = Object.values(byName);

export function serverKindOf(name: string, kinds: readonly ServerKind[] = serverKinds): ServerKind | undefined {
  return kinds.find((server) => server.kind.name === name);
}

/** Every problem with a type's settings; throws SettingsRefused for one that ends the check. */
export async function checkSettings(
  type: string,
  settings: unknown,
  context: CheckContext,
  kinds: readonly ServerKind[] = serverKinds,
): Promise<DestinationProblem[]> {
  const server = serverKindOf(type, kinds);
  return server === undefined
    ? [{ field: 'type', message: `${type} destinations are not known to this server` }]
    : server.check(settings, context);
}

/** Every type's sender, started together and closed together. */
export interface Senders {
  /** How a destination with these stored settings is claimed and sent to. */
  plan(destination: { readonly type: string; readonly settings: unknown }, defaults: PlanDefaults): DeliveryPlan;
  /** Closes what the senders hold for a destination that went away. */
  release(destinationId: string): void;
  /** What the senders add to the streamer's /healthz. */
  health(): Readonly<Record<string, unknown>>;
  close(): Promise<void>;
}

export function startSenders(environment: SenderEnvironment, kinds: readonly ServerKind[] = serverKinds): Senders {
  const started = new Map<string, StartedKind>(kinds.map((server) => [server.kind.name, server.start(environment)]));
  return {
    plan: (destination, defaults) =>
      started.get(destination.type)?.plan(destination.settings, defaults) ?? refusedPlan(destination.type, defaults),
    release: (destinationId) => {
      for (const kind of started.values()) kind.release(destinationId);
    },
    health: () => Object.fromEntries([...started.values()].flatMap((kind) => Object.entries(kind.health()))),
    close: async () => {
      await Promise.allSettled([...started.values()].map((kind) => kind.close()));
    },
  };
}

export type { CheckContext, DeliveryPlan, PendingDelivery, SenderEnvironment, SendingUnit, ServerKind } from './server-kind.js';
export { SettingsRefused } from './server-kind.js';
export type { SendOutcome } from './send-outcome.js';
