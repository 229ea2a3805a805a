import type { EventInput } from '../core/build-event.js';
import type { EventType, EventTypes } from '../schemas/generated/types.js';

/** What `publish(type, event)` takes for one event type: its entity's data, typed from the schema. */
export type PublishEvent<T extends EventType> = Omit<EventInput, 'data' | 'previous_attributes'> & {
  readonly data: EventTypes[T]['data'];
  /** Only on updates: the changed fields as they were before. */
  readonly previous_attributes?: EventTypes[T]['previous'] | null;
};

/** One element of `publishBatch`: an event with its type. */
export type BatchEvent = { [T in EventType]: { readonly type: T } & PublishEvent<T> }[EventType];

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
  /** Validates every event first and sends none when one is wrong; then sends all, results in order. */
  publishBatch(events: readonly BatchEvent[]): Promise<PublishResult[]>;
  /** Resolves when every publish made so far has been acknowledged or has failed. */
  flush(): Promise<void>;
  /** Refuses new events, delivers (or fails) the pending ones, then disconnects. */
  close(): Promise<void>;
}
