/**
 * CloudEvents 1.0 binary content mode over Kafka (the spec's Kafka protocol binding): each
 * attribute is a header named `ce_<attribute>`, the value stays the Avro payload and
 * `content-type` describes it. Extension names are lowercase letters and digits only, hence
 * `orgid`, `severity`, `requestid`.
 */
export const cloudEventsSpecVersion = '1.0';
export const avroContentType = 'application/avro';

export interface CloudEventEnvelope {
  readonly id: string;
  readonly type: string;
  /** Microseconds since the epoch, as in the Avro envelope. */
  readonly occurred_at: number;
  readonly organization_id: string;
  readonly entity_id: string;
  readonly severity: string;
  readonly request_id?: string | null | undefined;
}

/** `/orgs/<org>/<service>`: who emitted the event, as a URI-reference. */
export function cloudEventSource(organizationId: string, service: string): string {
  return `/orgs/${encodeURIComponent(organizationId)}/${encodeURIComponent(service)}`;
}

/** RFC 3339 with microseconds, from microseconds since the epoch. */
export function formatMicros(micros: number): string {
  const millis = Math.floor(micros / 1000);
  const iso = new Date(millis).toISOString();
  const fraction = String(micros - millis * 1000).padStart(3, '0');
  return `${iso.slice(0, -1)}${fraction}Z`;
}

export function cloudEventHeaders(event: CloudEventEnvelope, service: string): Record<string, string> {
  const headers: Record<string, string> = {
    ce_specversion: cloudEventsSpecVersion,
    ce_id: event.id,
    ce_type: event.type,
    ce_source: cloudEventSource(event.organization_id, service),
    ce_time: formatMicros(event.occurred_at),
    ce_subject: event.entity_id,
    ce_orgid: event.organization_id,
    ce_severity: event.severity,
    'content-type': avroContentType,
  };
  if (event.request_id) headers['ce_requestid'] = event.request_id;
  return headers;
}

/** Header values as kafkajs hands them over (Buffer, string, arrays of them, or undefined). */
export type RawHeaders = Record<string, Buffer | string | (Buffer | string)[] | undefined>;

/** Decodes the `ce_*` and `content-type` headers of a record into plain strings. */
export function readCloudEventHeaders(headers: RawHeaders | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, raw] of Object.entries(headers ?? {})) {
    if (!name.startsWith('ce_') && name !== 'content-type') continue;
    const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
    if (value !== undefined) result[name] = value.toString();
  }
  return result;
}
