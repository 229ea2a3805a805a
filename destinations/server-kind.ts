import type { KafkaSecurity } from '../adapters/kafka/security.js';
import type { Static, TObject, TSchema } from 'typebox';
import { Value } from 'typebox/value';
import type { Logger } from '../adapters/logger.js';
import type { DestinationProblem } from '../core/destination-rules.js';
import type { SubscribedFields } from '../core/event-fields.js';
import type { KafkaBrokerPolicy } from '../core/kafka-broker-rules.js';
import type { DestinationKind } from './kind.js';
import type { SendOutcome } from './send-outcome.js';

/**
 * The Node part of a destination type: the API's checks of its settings (which may resolve host
 * names) and the streamer's sender. `defineServerKind` checks stored settings against the type's
 * shape once, so what follows it is typed without a cast.
 */
export interface ServerKindParts<Name extends string, Settings extends TObject, Sender extends { close(): Promise<void> }> {
  readonly kind: DestinationKind<Name, Settings>;
  /** Every problem with settings the request schema already accepted; throws SettingsRefused for one that ends the check. */
  check(settings: Static<Settings>, context: CheckContext): Promise<DestinationProblem[]>;
  createSender(environment: SenderEnvironment): Sender;
  /** How a destination of this type is claimed and sent to. */
  plan(settings: Static<Settings>, sender: Sender, defaults: PlanDefaults): DeliveryPlan;
  /** Frees what the sender holds for a destination that went away. */
  release?(sender: Sender, destinationId: string): void;
  /** What the type adds to the streamer's /healthz. */
  health?(sender: Sender): Readonly<Record<string, unknown>>;
}

/** What the API's checks may consult. */
export interface CheckContext {
  readonly organizationId: string;
  /** DESTINATION_ALLOWED_HOSTS, lower case. */
  readonly allowedHosts: ReadonlySet<string>;
  readonly kafkaBrokerPolicy: KafkaBrokerPolicy;
  /** DESTINATION_FILE_ROOT, when file destinations are enabled. */
  readonly fileRoot: string | undefined;
  /** The secret settings kept from before (sealed, so absent from the settings checked): they count as given. */
  readonly storedSecrets?: ReadonlySet<string> | undefined;
  /** The fields of the event types the destination subscribes to: what its templates may name (core/field-template.ts). */
  readonly subscribed: SubscribedFields;
}

/** What the streamer gives every sender. */
export interface SenderEnvironment {
  readonly logger: Logger;
  /** DESTINATION_ALLOWED_HOSTS, lower case. */
  readonly allowedHosts: readonly string[];
  /** Called with the destination's id for every attempt abandoned past its timeout (a metric). */
  readonly onStalled?: (destinationId: string) => void;
  /** The pipeline's own brokers, never written unless allowed. */
  readonly ownBrokers: readonly string[];
  /** How to authenticate to them (to learn the own cluster's id). */
  readonly ownSecurity?: KafkaSecurity | undefined;
  /** DESTINATION_ALLOWED_KAFKA_BROKERS. */
  readonly allowedBrokers: readonly string[];
  readonly topicPrefix: string;
  /** DESTINATION_FILE_ROOT; without it every file destination is refused. */
  readonly fileRoot: string | undefined;
}

export interface PlanDefaults {
  /** The streamer's attempt timeout (STREAMER_TIMEOUT_MS), in ms. */
  readonly timeoutMs: number;
  /** Attempts the destination may have in flight: its own limit, or STREAMER_MAX_CONCURRENCY. */
  readonly concurrency: number;
}

/** One claimed delivery as a sender needs it. */
export interface PendingDelivery {
  readonly id: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly entityId: string;
  /** The body to send, as JSON: the event object shaped as the destination asks (core/payload-shape.ts). */
  readonly payload: string;
  /** The event object as JSON whatever the shape: what templates (routing keys, object keys) render from. */
  readonly event?: string;
  /** The payload's media type (core/payload-shape.ts): `application/cloudevents+json` for CloudEvents. @defaultValue `application/json` */
  readonly contentType?: string;
}

/** The event object of a delivery, unshaped: what a template (a routing key, an object key) is rendered from. */
export function eventObjectOf(delivery: Pick<PendingDelivery, 'event' | 'payload'>): Record<string, unknown> {
  return JSON.parse(delivery.event ?? delivery.payload) as Record<string, unknown>;
}

/** The deliveries sent in one attempt: one event, one batch, or one group. */
export interface SendingUnit {
  readonly destinationId: string;
  readonly organizationId: string;
  /** Live signing secrets, current first. */
  readonly secrets: readonly string[];
  readonly deliveries: readonly PendingDelivery[];
  /** The batch's id in batch mode (the `webhook-id` of the array); null otherwise. */
  readonly batchId: string | null;
}

export interface DeliveryPlan {
  /** One delivery per attempt, a batch that waits to fill, or up to the streamer's group size at once. */
  readonly claim:
    | { readonly mode: 'single' }
    | { readonly mode: 'batch'; readonly maxEvents: number; readonly maxWaitMs: number }
    | { readonly mode: 'group' };
  /** The longest one attempt takes, in ms: a lease outlives it. */
  readonly timeoutMs: number;
  /** One attempt; a failure is an outcome. */
  send(unit: SendingUnit): Promise<SendOutcome>;
}

/** A problem that ends the check at once (a host that does not resolve, a type this server does not enable). */
export class SettingsRefused extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** A destination type as the API and the streamer use it, whatever its settings. */
export interface ServerKind {
  readonly kind: DestinationKind;
  check(settings: unknown, context: CheckContext): Promise<DestinationProblem[]>;
  start(environment: SenderEnvironment): StartedKind;
}

export interface StartedKind {
  /** The plan of a destination with these stored settings; one whose settings are not this type's fails every attempt, saying so. */
  plan(settings: unknown, defaults: PlanDefaults): DeliveryPlan;
  release(destinationId: string): void;
  health(): Readonly<Record<string, unknown>>;
  close(): Promise<void>;
}

export function defineServerKind<Name extends string, Settings extends TObject, Sender extends { close(): Promise<void> }>(
  parts: ServerKindParts<Name, Settings, Sender>,
): ServerKind {
  const shape = storedShape(parts.kind.settings);
  const matches = (settings: unknown): settings is Static<Settings> => Value.Check(shape, settings);
  const name = parts.kind.name;
  return {
    kind: parts.kind,
    check: (settings, context) =>
      matches(settings)
        ? parts.check(settings, context)
        : Promise.resolve([{ field: name, message: `the stored ${name} settings are not a ${name} destination's; give them all again` }]),
    start(environment) {
      const sender = parts.createSender(environment);
      return {
        plan: (settings, defaults) => (matches(settings) ? parts.plan(settings, sender, defaults) : refusedPlan(name, defaults)),
        release: (destinationId) => parts.release?.(sender, destinationId),
        health: () => parts.health?.(sender) ?? {},
        close: () => sender.close(),
      };
    },
  };
}

/** A plan for settings this server cannot send with: each attempt fails with the reason. */
export function refusedPlan(type: string, defaults: PlanDefaults): DeliveryPlan {
  return {
    claim: { mode: 'single' },
    timeoutMs: defaults.timeoutMs,
    send: () =>
      Promise.resolve({
        result: { kind: 'error', code: 'internal' },
        durationMs: 0,
        error: `the attempt could not be made: the stored settings are not those of a ${type} destination this streamer can send to; update them through the API`,
      }),
  };
}

/**
 * The request schema without its limits, for settings already stored: a row saved under older
 * rules must still reach the sender, which checks what it must again and says why it refuses
 * (headers the HTTP client would reject, a broker no longer allowed).
 */
const limits = new Set([
  'pattern',
  'format',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'minItems',
  'maxItems',
  'finite',
  'propertyNames',
  'minProperties',
  'maxProperties',
]);

export function storedShape<Schema extends TSchema>(schema: Schema): Schema {
  const strip = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(strip);
    if (node === null || typeof node !== 'object') return node;
    const kept = Object.entries(node).filter(([key, value]) => !limits.has(key) && !(key === 'additionalProperties' && value === false));
    // Under `properties` the keys are setting names (a setting may be called `format`), not keywords.
    return Object.fromEntries(kept.map(([key, value]) => [key, key === 'properties' ? named(value) : strip(value)]));
  };
  const named = (properties: unknown): unknown =>
    properties !== null && typeof properties === 'object'
      ? Object.fromEntries(Object.entries(properties).map(([name, value]) => [name, strip(value)]))
      : properties;
  // A copy of the same schema with fewer keywords: it accepts more, and describes the same type.
  return strip(schema) as Schema;
}
