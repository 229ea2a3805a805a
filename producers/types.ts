import type { EventInput } from '../core/build-event.js';
import type { EventType, EventTypes } from '../schemas/generated/types.js';

/** What `publish(type, event)` takes for one event type: its entity's data, typed from the schema. */
export type PublishEvent<T extends EventType> = Omit<EventInput, 'data' | 'previous_attributes'> & {
  readonly data: EventTypes[T]['data'];
  /** Only on updates: the changed fields as they were before. */
  readonly previous_attributes?: EventTypes[T]['previous'] | null;
};

/** An event with a type known only at run time, checked against the catalogue when published. */
export type UntypedBatchEvent = EventInput & { readonly type: string };

/** One element of `publishBatch`: an event with its type. */
export type BatchEvent = { [T in EventType]: { readonly type: T } & PublishEvent<T> }[EventType];

/** An event of a batch that cannot be sent as it is: none of the batch was sent. */
export interface BatchRefusal {
  readonly index: number;
  readonly code: string;
  readonly message: string;
  /** Each value that is wrong, by its path in the event (`data.amount`); empty for an unknown type or an event over the size limit. */
  readonly problems: readonly { readonly path: string; readonly message: string }[];
}

/** Where an acknowledged event landed. */
export interface PublishResult {
  readonly eventId: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

export interface Publisher {
  /** Validates, encodes and sends one event; resolves once the broker has acknowledged it (acks=all). */
  publish<T extends EventType>(type: T, event: PublishEvent<T>): Promise<PublishResult>;
  /** The same for events whose type is only known at run time (files, HTTP ingest). */
  publishUntyped(type: string, event: EventInput): Promise<PublishResult>;
  /**
   * Validates every event first, encodes it and checks it against its topic's size limit, and
   * sends none when one is wrong (an EventError whose `refused` lists each with its index); then
   * sends all, results in order.
   */
  publishBatch(events: readonly BatchEvent[]): Promise<PublishResult[]>;
  /**
   * The same for events whose type is only known at run time (HTTP ingest), except that once
   * sending began each event settles on its own: a broker refusing some leaves the others' results.
   */
  publishBatchSettled(events: readonly UntypedBatchEvent[]): Promise<PromiseSettledResult<PublishResult>[]>;
  /** Resolves when every publish made so far has been acknowledged or has failed. */
  flush(): Promise<void>;
  /** Refuses new events, delivers (or fails) the pending ones, then disconnects. */
  close(): Promise<void>;
}
