import { cloudEventSource, cloudEventsSpecVersion } from './cloudevents.js';

/**
 * The CloudEvents 1.0 attributes of an event as a destination receives it (the event object as
 * JSON, core/event-json.ts), named as on the pipeline's own topics (`ce_<attribute>`,
 * core/cloudevents.ts): brokers whose messages carry headers (RabbitMQ, NATS) get them beside the
 * JSON body, in binary content mode. An attribute the event lacks is left out. Pure.
 */
export function cloudEventAttributes(event: Readonly<Record<string, unknown>>): Record<string, string> {
  const text = (name: string): string | undefined => {
    const value = event[name];
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  const attributes: Record<string, string> = { ce_specversion: cloudEventsSpecVersion };
  const put = (name: string, value: string | undefined) => {
    if (value !== undefined) attributes[name] = value;
  };
  const organizationId = text('organization_id');
  const source = text('source');
  put('ce_id', text('id'));
  put('ce_type', text('type'));
  put('ce_source', organizationId !== undefined && source !== undefined ? cloudEventSource(organizationId, source) : undefined);
  put('ce_time', text('occurred_at'));
  put('ce_subject', text('entity_id'));
  put('ce_orgid', organizationId);
  put('ce_severity', text('severity'));
  put('ce_requestid', text('request_id'));
  return attributes;
}
