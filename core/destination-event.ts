import type { EventInput } from './build-event.js';
import { redactUrl } from './redact-url.js';

/** What a destination's own events (`destination.disabled`, `destination.enabled`, its alerts) are made from. */
export interface DestinationEventSource {
  readonly id: string;
  readonly organization_id: string;
  readonly type: string;
  readonly description: string | null;
  readonly active: boolean;
  readonly event_types: readonly string[];
  readonly severities: readonly string[] | null;
  readonly entity_types: readonly string[] | null;
  readonly ordering: string;
  readonly settings: Readonly<Record<string, unknown>>;
  readonly disabled_reason: string | null;
  readonly disabled_at: Date | null;
  readonly created_at: Date;
  readonly updated_at: Date;
}

/**
 * The event that says a destination changed, with its state as the `Destination` entity schema
 * has it: settings and secrets stay out; a webhook's URL is all that names where it sends, without
 * its password or credential parameters (the event goes to other destinations). `failure_run` is
 * only an alert's (destination-alert.ts).
 */
export function destinationEvent(
  destination: DestinationEventSource,
  change: Pick<EventInput, 'source' | 'severity' | 'previous_attributes' | 'request_id' | 'actor'>,
): EventInput {
  const url = destination.settings['url'];
  return {
    organization_id: destination.organization_id,
    ...change,
    data: {
      id: destination.id,
      object: 'destination',
      type: destination.type,
      description: destination.description,
      active: destination.active,
      event_types: destination.event_types,
      severities: destination.severities,
      entity_types: destination.entity_types,
      ordering: destination.ordering,
      url: destination.type === 'webhook' && typeof url === 'string' ? redactUrl(url) : null,
      disabled_reason: destination.disabled_reason,
      disabled_at: destination.disabled_at?.toISOString() ?? null,
      created_at: destination.created_at.toISOString(),
      updated_at: destination.updated_at.toISOString(),
      failure_run: null,
    },
  };
}
