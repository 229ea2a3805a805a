import type { AttemptResult } from '../../../core/delivery-schedule.js';

/**
 * What one attempt to hand events to a destination came to. `result` feeds the pure retry
 * verdict (core/delivery-schedule.ts); the rest is recorded in the delivery log as is.
 */
export interface SendOutcome {
  /** Kafka and file senders report success (acknowledged; written and synced) as `{ kind: 'response', status: 200 }`. */
  readonly result: AttemptResult;
  /** From the start of the attempt (connect included) to its end, in ms. */
  readonly durationMs: number;
  /** The HTTP status, when a response came. */
  readonly statusCode?: number | undefined;
  /** The first 2 KB of the response body (UTF-8, cut on a character boundary), when one came. */
  readonly responseBody?: string | undefined;
  /** Why the attempt failed, in words an operator can act on; undefined on success. */
  readonly error?: string | undefined;
}

/** A webhook request: one event (a JSON object) or a batch (a JSON array), signed as one message. */
export interface WebhookRequest {
  /** The destination's id: its attempts share connections with no other destination's. */
  readonly destinationId: string;
  readonly url: string;
  /** Extra headers of the destination, as stored: the sender checks them again before each attempt. */
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  /** Live signing secrets, current first: the header carries one signature per secret. */
  readonly secrets: readonly string[];
  /** `webhook-id`: the delivery's (or batch's) id, the same on every retry. */
  readonly id: string;
  /** The JSON text sent and signed. */
  readonly body: string;
}

export interface KafkaRequest {
  readonly brokers: readonly string[];
  readonly topic: string;
  readonly timeoutMs: number;
  /** value = the event object as JSON, key = entity id, headers carry the delivery id. */
  readonly messages: readonly { readonly key: string; readonly value: string; readonly headers: Readonly<Record<string, string>> }[];
}

export interface FileRequest {
  /** The destination's organization: its files go below its own directory of DESTINATION_FILE_ROOT. */
  readonly organizationId: string;
  /** As stored: relative to the organization's directory, or absolute inside it. */
  readonly directory: string;
  /** One JSON text per line, written in this order. */
  readonly lines: readonly string[];
  /** A file is closed and a new one started past this size, in bytes. */
  readonly rotateBytes: number;
}
