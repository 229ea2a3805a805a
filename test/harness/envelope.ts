import type { EventEnvelope } from '../../core/event-envelope.js';
import { createEventId } from '../../core/ids.js';

/**
 * A valid `invoice.updated` envelope that occurred one second before `now` (ms), with every
 * optional field set; `overrides` replace fields (or break them, for the checks that refuse).
 */
export function sampleEnvelope(now: number, overrides: Record<string, unknown> = {}): EventEnvelope {
  return {
    id: createEventId(now - 1_000),
    type: 'invoice.updated',
    occurred_at: now * 1000 + 123,
    organization_id: 'org_1',
    entity_type: 'invoice',
    entity_id: 'inv_1',
    action: 'updated',
    source: 'api',
    severity: 'info',
    request_id: 'req_1',
    actor: 'usr_1',
    data: { id: 'inv_1', amount: 1200, status: 'open', note: null },
    previous_attributes: { amount: 1000, status: null, note: null },
    ...overrides,
  };
}
