import type { Static } from 'typebox';
import type { DeadLetter as DeadLetterSchema } from '../../api/dead-letter-schemas';
import type {
  Attempt as AttemptSchema,
  Delivery as DeliverySchema,
  DeliveryWithAttempts as DeliveryWithAttemptsSchema,
  deliveryStatuses,
} from '../../api/delivery-schemas';
import type { DestinationObject } from '../../api/destination-schemas';
import type { Schema as SchemaSchema, SchemaVersion as SchemaVersionSchema } from '../../api/registry-schemas';
import type {
  Entity as EntitySchema,
  EntitySummary as EntitySummarySchema,
  Event as EventSchema,
  EventType as EventTypeSchema,
  HistoryItem as HistoryItemSchema,
  Organization as OrganizationSchema,
} from '../../api/schemas';
import type {
  ConsumerLag as ConsumerLagSchema,
  DestinationStats as DestinationStatsSchema,
  EventStats as EventStatsSchema,
} from '../../api/stats-schemas';

/**
 * The API objects the console reads: the route schemas' own types (type-only imports, nothing
 * of the API is bundled), so a change to an answer fails `npm run typecheck` here.
 */

export type EventObject = Static<typeof EventSchema>;
export type HistoryItem = Static<typeof HistoryItemSchema>;
export type EntityObject = Static<typeof EntitySchema>;
export type EntitySummary = Static<typeof EntitySummarySchema>;
export type EventType = Static<typeof EventTypeSchema>;

/** An Avro record schema, as the console reads the registry's (the API passes it on as it is). */
export interface AvroRecord {
  readonly type: string;
  readonly name?: string;
  readonly namespace?: string;
  readonly doc?: string;
  readonly fields?: { name: string; type: unknown; doc?: string; default?: unknown }[];
}

type SchemaAnswer = Static<typeof SchemaSchema>;
export type SchemaInfo = Omit<SchemaAnswer, 'latest'> & {
  readonly latest: (Omit<NonNullable<SchemaAnswer['latest']>, 'schema'> & { readonly schema: AvroRecord }) | null;
};
export type SchemaVersion = Omit<Static<typeof SchemaVersionSchema>, 'schema'> & { readonly schema: AvroRecord };

export type Destination = DestinationObject;

export type DeliveryStatus = (typeof deliveryStatuses)[number];
export type Delivery = Static<typeof DeliverySchema>;
export type Attempt = Static<typeof AttemptSchema>;
export type DeliveryWithAttempts = Static<typeof DeliveryWithAttemptsSchema>;

export type EventStats = Static<typeof EventStatsSchema>;
export type DestinationStats = Static<typeof DestinationStatsSchema>;
export type ConsumerLag = Static<typeof ConsumerLagSchema>;
export type DeadLetter = Static<typeof DeadLetterSchema>;
export type Organization = Static<typeof OrganizationSchema>;
/** What a key may do (the API's `api_key.scopes`, everything a key's scopes include). */
export type ApiKeyScope = Organization['api_key']['scopes'][number];
