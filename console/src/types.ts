/** The API objects the console reads, as the Events API documents them (/openapi.json). */

export type Severity = 'info' | 'warn' | 'critical';

export interface EventObject {
  readonly id: string;
  readonly object: 'event';
  readonly type: string;
  readonly organization_id: string;
  readonly data: Record<string, unknown>;
  readonly previous_attributes: Record<string, unknown> | null;
  readonly request_id: string | null;
  readonly created_at: string;
  readonly occurred_at: string;
  readonly entity_type: string;
  readonly entity_id: string;
  readonly action: string;
  readonly source: string;
  readonly severity: Severity;
  readonly actor: string | null;
}

export interface HistoryItem extends EventObject {
  readonly changes: { attribute: string; previous: unknown; current: unknown }[];
}

export interface EntityObject {
  readonly object: 'entity';
  readonly entity_type: string;
  readonly entity_id: string;
  readonly data: Record<string, unknown>;
  readonly deleted: boolean;
  readonly version: number;
  readonly last_event?: EventObject | null;
  readonly last_event_id?: string;
  readonly last_event_type?: string;
  readonly created_at: string;
  readonly updated_at: string;
}

export interface EventType {
  readonly name: string;
  readonly entity: string;
  readonly description: string;
  readonly severity: Severity;
  readonly source: string;
  readonly origin: string;
  readonly schema: { subject: string; version: number; id: number } | null;
}

export interface SchemaInfo {
  readonly entity: string;
  readonly subject: string;
  readonly compatibility: string | null;
  readonly versions: { version: number; id: number }[];
  readonly latest: { version: number; id: number; schema: AvroRecord } | null;
}

export interface SchemaVersion {
  readonly version: number;
  readonly id: number;
  readonly schema: AvroRecord;
}

export interface AvroRecord {
  readonly type: string;
  readonly name?: string;
  readonly namespace?: string;
  readonly doc?: string;
  readonly fields?: { name: string; type: unknown; doc?: string; default?: unknown }[];
}

export type DestinationType = 'webhook' | 'kafka' | 'file';

export interface Destination {
  readonly id: string;
  readonly object: 'destination';
  readonly type: DestinationType;
  readonly description: string | null;
  readonly active: boolean;
  readonly event_types: string[];
  readonly severities: string[] | null;
  readonly entity_types: string[] | null;
  readonly ordering: string;
  readonly max_concurrency: number | null;
  readonly rate_limit_per_second: number | null;
  readonly retry_schedule_ms: number[] | null;
  readonly webhook?: { url: string; headers?: Record<string, string>; timeout_ms?: number };
  readonly kafka?: { brokers: string[]; topic: string };
  readonly file?: { directory: string; rotate_bytes?: number };
  readonly secret?: string;
  readonly disabled_reason: string | null;
  readonly disabled_at: string | null;
  readonly failing_since: string | null;
  readonly created_at: string;
  readonly updated_at: string;
}

export type DeliveryStatus = 'pending' | 'needs_retry' | 'delivered' | 'failed';

export interface Delivery {
  readonly id: string;
  readonly destination_id: string;
  readonly event_id: string;
  readonly event_type: string;
  readonly entity_type: string;
  readonly entity_id: string;
  readonly status: DeliveryStatus;
  readonly test: boolean;
  readonly times_attempted: number;
  readonly last_attempt_at: string | null;
  readonly next_attempt_at: string | null;
  readonly delivered_at: string | null;
  readonly last_status_code: number | null;
  readonly last_error: string | null;
  readonly event_retained: boolean;
  readonly created_at: string;
}

export interface Attempt {
  readonly attempt: number;
  readonly attempted_at: string;
  readonly outcome: 'sending' | 'succeeded' | 'failed' | 'unknown';
  readonly duration_ms: number | null;
  readonly status_code: number | null;
  readonly error: string | null;
  readonly response_body: string | null;
}

export interface DeliveryWithAttempts extends Delivery {
  readonly event: EventObject;
  readonly attempts: Attempt[];
}

export interface EventStats {
  readonly from: string;
  readonly to: string;
  readonly bucket_seconds: number;
  readonly data: { minute: string; type: string; severity: Severity; count: number }[];
}

export interface DestinationStats {
  readonly destination_id: string;
  readonly type: DestinationType;
  readonly description: string | null;
  readonly active: boolean;
  readonly disabled_reason: string | null;
  readonly queue_depth: number;
  readonly oldest_pending_at: string | null;
  readonly deliveries: Record<DeliveryStatus, number>;
  readonly last_hour: { attempts: number; succeeded: number; failed: number; success_rate: number | null };
}

export interface ConsumerLag {
  readonly group_id: string;
  readonly lag: number | null;
  readonly partitions: { topic: string; partition: number; next_offset: number; high_watermark: number | null; lag: number | null }[];
  readonly updated_at: string;
}

export interface DeadLetter {
  readonly id: string;
  readonly group_id: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly reason_code: string;
  readonly reason: string;
  readonly failed_at: string;
  readonly key: string | null;
  readonly event_id: string | null;
  readonly event_type: string | null;
}

export interface Organization {
  readonly id: string;
  readonly api_key: { id: string; name: string | null };
}
