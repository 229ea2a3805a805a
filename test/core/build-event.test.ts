import { describe, expect, it } from 'vitest';
import { buildEvent, toMicros } from '../../core/build-event.js';
import { isEventId } from '../../core/ids.js';

const info = { entity: 'crm.deal', severity: 'info', source: 'api' } as const;
const now = () => Date.parse('2026-11-23T10:00:00.000Z');

describe('buildEvent', () => {
  it('fills id, occurred_at, entity_type, action, entity_id and the catalogue defaults', () => {
    const built = buildEvent('crm.deal.stage_updated', info, { organization_id: 'org_1', data: { id: 'deal_1' } }, now);
    expect(built.ok).toBe(true);
    if (!built.ok) return;
    expect(isEventId(built.event.id)).toBe(true);
    expect(built.event).toMatchObject({
      type: 'crm.deal.stage_updated',
      occurred_at: now() * 1000,
      entity_type: 'crm.deal',
      entity_id: 'deal_1',
      action: 'stage_updated',
      source: 'api',
      severity: 'info',
      request_id: null,
      actor: null,
      previous_attributes: null,
    });
  });

  it('lists every envelope problem at once', () => {
    const built = buildEvent(
      'crm.deal.created',
      info,
      {
        organization_id: ' ',
        entity_id: 'deal_2',
        data: { id: 'deal_1' },
        previous_attributes: { name: 'old' },
        id: 'evt_nope',
        occurred_at: 'yesterday',
        severity: 'loud' as never,
      },
      now,
    );
    expect(built.ok).toBe(false);
    if (built.ok) return;
    expect(built.problems.map((p) => p.path)).toEqual([
      'organization_id',
      'entity_id',
      'previous_attributes',
      'id',
      'occurred_at',
      'severity',
    ]);
  });

  it('says an entity id given as a number is not a string, rather than missing', () => {
    const built = buildEvent('crm.deal.created', info, { organization_id: 'org_1', data: { id: 7 } }, now);
    expect(built.ok).toBe(false);
    if (built.ok) return;
    expect(built.problems).toContainEqual({ path: 'data.id', message: "must be a string, the crm.deal's id (got number)" });
    expect(built.problems.map((p) => p.path)).not.toContain('entity_id');
  });

  it('keeps the microseconds of an RFC 3339 time', () => {
    expect(toMicros('2026-11-23T10:00:00.123456Z')).toBe(Date.parse('2026-11-23T10:00:00Z') * 1000 + 123456);
    expect(toMicros('2026-11-23T12:00:00.5+02:00')).toBe(Date.parse('2026-11-23T10:00:00Z') * 1000 + 500000);
    expect(toMicros(new Date('2026-11-23T10:00:00.001Z'))).toBe(Date.parse('2026-11-23T10:00:00Z') * 1000 + 1000);
    expect(toMicros('2026-13-45')).toBeUndefined();
  });
});
