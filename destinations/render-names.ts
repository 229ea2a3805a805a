import { isTemplate, renderTemplate, TemplateError, type FieldTemplate } from '../core/field-template.js';
import { eventObjectOf, type PendingDelivery } from './server-kind.js';
import type { SendOutcome } from './send-outcome.js';

/**
 * The name a templated setting gives each delivery of an attempt (a stream key, a topic), with
 * the item built from it; or, when one cannot be made (a stored template that does not parse, a
 * field an event lacks, a rendered name the target's rules refuse), the attempt's failure naming
 * the setting and the event, before anything is sent.
 */
export function renderNames<Item>(
  setting: string,
  template: FieldTemplate | { readonly problem: string },
  deliveries: readonly PendingDelivery[],
  nameProblem: (name: string) => string | undefined,
  build: (delivery: PendingDelivery, name: string) => Item,
): Item[] | SendOutcome {
  const refused = (code: string, error: string): SendOutcome => ({ result: { kind: 'error', code }, durationMs: 0, error });
  if (!isTemplate(template)) return refused('invalid_template', `${setting}: ${template.problem}; update the destination`);
  const items: Item[] = [];
  for (const delivery of deliveries) {
    let name: string;
    try {
      name = renderTemplate(template, eventObjectOf(delivery));
    } catch (error) {
      if (error instanceof TemplateError) return refused('invalid_name', `${setting}: ${error.message}; nothing was sent`);
      throw error;
    }
    const problem = nameProblem(name);
    if (problem !== undefined) return refused('invalid_name', `${setting}: ${problem} (event ${delivery.eventId}); nothing was sent`);
    items.push(build(delivery, name));
  }
  return items;
}
