import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { RegistryClient } from '../adapters/registry.js';
import type { EventInput } from '../core/build-event.js';
import type { SecretBox } from '../core/secret-box.js';
import type { CatalogueEntry } from '../schemas/catalogue.js';
import type { EventFields } from '../core/event-fields.js';
import type { KafkaBrokerPolicy } from '../core/kafka-broker-rules.js';
import type { Authenticator } from './auth.js';
import type { ApiKeyScope } from '../core/api-key-scopes.js';
import type { ApiKeyIdentity } from '../store/find-api-key.js';
import type { HighWatermarks } from './high-watermarks.js';
import type { FilterCatalogue } from './event-filter.js';
import type { ApiMetrics } from './metrics.js';
import type { Database } from '../store/query.js';
import type { Feeds } from './stream/org-feed.js';
import type { StreamSlots } from './stream/stream-slots.js';

/** What the routes share: built once by buildApi, passed to each route plugin. */
export interface ApiContext {
  readonly query: Database;
  /** Runs `work` in one transaction on one connection, for a check that must hold until the write commits. */
  readonly transaction: <T>(work: (db: Database) => Promise<T>) => Promise<T>;
  readonly catalogue: FilterCatalogue & {
    readonly entries: Readonly<Record<string, CatalogueEntry>>;
    /** The fields of a type's event object, from its entity's event schema. */
    readonly fields: (type: string) => EventFields | undefined;
  };
  readonly registry: Pick<RegistryClient, 'latest' | 'versions' | 'schemaByVersion' | 'subjectCompatibility' | 'globalCompatibility'>;
  /** Kafka's high watermarks for consumer lag; undefined when the API was given no brokers. */
  readonly highWatermarks: HighWatermarks | undefined;
  readonly topicPrefix: string;
  readonly auth: Authenticator;
  readonly feeds: Feeds;
  readonly metrics: ApiMetrics;
  readonly stream: StreamSettings;
  /** Open live tails, capped per key, organization and client address. */
  readonly streamSlots: StreamSlots;
  /** Hosts webhooks may reach over http or at internal addresses (DESTINATION_ALLOWED_HOSTS). */
  readonly allowedHosts: ReadonlySet<string>;
  /** Which Kafka brokers destinations may write to: not the pipeline's own nor internal ones, unless DESTINATION_ALLOWED_KAFKA_BROKERS lists them. */
  readonly kafkaBrokerPolicy: KafkaBrokerPolicy;
  /** Destinations one organization may have (API_MAX_DESTINATIONS_PER_ORG); 0: no limit. */
  readonly maxDestinationsPerOrg: number;
  /** Days the event log keeps an event (EVENT_RETENTION_DAYS; 0 keeps all): says whether a delivery's event is still there. */
  readonly eventRetentionDays: number;
  /** DESTINATION_FILE_ROOT: file destinations write below their organization's own directory there; undefined: none are allowed. */
  readonly fileRoot: string | undefined;
  /** Seals the webhook signing secrets stored, opens them for the one call that reveals them. */
  readonly secretBox: SecretBox;
  /**
   * Publishes one of the pipeline's own events without holding the request: a failure is logged
   * and the change that caused it stands. Does nothing when the API was given no publisher.
   */
  announce(type: string, event: EventInput): void;
  /** Publishes events clients send over HTTP (routes/ingest.ts); undefined when the API has no publisher. */
  readonly ingest: Ingest | undefined;
}

/** Where an acknowledged event landed. */
export interface IngestResult {
  readonly eventId: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

/** What HTTP ingest needs of a publisher (the SDK's Publisher is one). */
export interface Ingest {
  publishUntyped(type: string, event: EventInput): Promise<IngestResult>;
  publishBatchSettled(events: readonly (EventInput & { readonly type: string })[]): Promise<PromiseSettledResult<IngestResult>[]>;
}

export interface StreamSettings {
  /** Bytes a live-tail client may leave unread before it is dropped. @defaultValue 1 MiB */
  readonly maxBufferBytes: number;
  /** Heartbeat comment interval. @defaultValue 15 s */
  readonly heartbeatMs: number;
  /** How often the store is polled for new events per organization with clients when no commit notice woke it (the safety net). @defaultValue 1000 ms */
  readonly pollMs: number;
}

export type ApiInstance = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Answered without an API key. Only routes outside /api/ may say so (app.ts). @defaultValue false */
    public?: boolean;
    /**
     * What a key must be allowed to do to use the route (core/api-keys.ts); `any` for a route every
     * key may use. Every route that is not public says it, or the API does not start (app.ts).
     */
    scope?: ApiKeyScope | 'any';
  }
  interface FastifyRequest {
    /** The organization of the request's API key (set by the auth hook under /api/v1). */
    organizationId: string;
    /** The request's API key (set by the auth hook under /api/v1). */
    apiKey: ApiKeyIdentity;
  }
}
