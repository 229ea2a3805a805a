import { cloudEventAttributes } from '../core/cloudevent-attributes.js';
import { renderTemplate, TemplateError, type FieldTemplate } from '../core/field-template.js';
import type { SendOutcome } from './send-outcome.js';
import type { PendingDelivery } from './server-kind.js';
import { jsonContentType } from '../core/payload-shape.js';

/**
 * One delivery as a broker message (RabbitMQ, NATS): the event object as JSON, addressed by the
 * destination's template (a routing key, a subject) rendered from the event, with its CloudEvents
 * attributes as headers and the delivery id as the id the broker or its consumers deduplicate on.
 */
export interface BrokerMessage {
  /** The delivery id: the same on every attempt of the delivery. */
  readonly id: string;
  /** Where it goes: the routing key or subject. */
  readonly address: string;
  readonly body: Buffer;
  /** The body's media type: `application/cloudevents+json` for CloudEvents, else JSON. */
  readonly contentType: string;
  /** `ce_*` attributes, and the event's id and type under the pipeline's own names. */
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * The messages of an attempt, or why one of them cannot be made (a template naming a field the
 * event lacks, a payload that is not an event object): the attempt then fails as a whole, saying so.
 * The body is the payload as the destination shaped it (the event, CloudEvents or a projection);
 * the address and the headers come from the event object itself, which has every field a
 * template may name.
 */
export function brokerMessages(
  deliveries: readonly PendingDelivery[],
  template: FieldTemplate,
): { readonly messages: BrokerMessage[] } | { readonly problem: string } {
  const messages: BrokerMessage[] = [];
  for (const delivery of deliveries) {
    let event: unknown;
    try {
      event = JSON.parse(delivery.event ?? delivery.payload);
    } catch {
      return { problem: `the event of delivery ${delivery.id} is not JSON` };
    }
    if (event === null || typeof event !== 'object' || Array.isArray(event)) {
      return { problem: `the event of delivery ${delivery.id} is not an event object` };
    }
    const record = event as Readonly<Record<string, unknown>>;
    let address: string;
    try {
      address = renderTemplate(template, record);
    } catch (error) {
      if (error instanceof TemplateError) return { problem: `${error.message}; nothing of this attempt was sent` };
      throw error;
    }
    messages.push({
      id: delivery.id,
      address,
      body: Buffer.from(delivery.payload),
      contentType: delivery.contentType ?? jsonContentType,
      headers: { ...cloudEventAttributes(record), 'evp-delivery-id': delivery.id, 'evp-event-id': delivery.eventId },
    });
  }
  return { messages };
}

/** An attempt refused before anything was sent: settings stored under older rules (`field: why`), or messages that could not be made. */
export function unsentOutcome(code: 'invalid_settings' | 'template_failed', message: string): Promise<SendOutcome> {
  const error = code === 'invalid_settings' ? `${message}; update the destination` : message;
  return Promise.resolve({ result: { kind: 'error', code }, durationMs: 0, error });
}
