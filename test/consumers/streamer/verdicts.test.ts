import { describe, expect, it } from 'vitest';
import { partsOf, verdictsOf } from '../../../consumers/streamer/verdicts.js';
import type { SendOutcome } from '../../../destinations/send-outcome.js';
import type { ClaimedDelivery } from '../../../store/claim-deliveries.js';

const now = Date.parse('2026-12-06T12:00:00Z');

function delivery(id: string): ClaimedDelivery {
  return {
    id,
    destinationId: 'dst_1',
    eventId: `evt_${id}`,
    eventType: 'invoice.created',
    entityId: 'inv_1',
    payload: '{}',
    timesAttempted: 1,
    scheduleBase: 0,
    scheduleStartedAt: new Date(now),
    batchId: null,
    seq: '1',
    tookOver: false,
  };
}

const deliveries = ['dlv_a', 'dlv_b', 'dlv_c'].map(delivery);
const refused: SendOutcome = { result: { kind: 'error', code: 'partial' }, durationMs: 12, statusCode: 200, error: '1 of 3 refused' };

describe('partsOf', () => {
  it('keeps an outcome without refused ids whole, for every delivery', () => {
    expect(partsOf(refused, deliveries)).toEqual([{ outcome: refused, deliveries }]);
  });

  it('splits a batch taken in part into a success for the taken and the failure for the refused', () => {
    const parts = partsOf({ ...refused, failedDeliveryIds: new Set(['dlv_b']) }, deliveries);
    expect(parts.map((part) => part.deliveries.map((one) => one.id))).toEqual([['dlv_a', 'dlv_c'], ['dlv_b']]);
    expect(parts[0]?.outcome).toEqual({ result: { kind: 'response', status: 200 }, durationMs: 12, statusCode: 200 });
    expect(parts[1]?.outcome.error).toBe('1 of 3 refused');
    const statuses = parts.flatMap((part) => verdictsOf(part.outcome.result, part.deliveries, [0, 1000], now).deliveries);
    expect(statuses.map((verdict) => [verdict.id, verdict.status])).toEqual([
      ['dlv_a', 'delivered'],
      ['dlv_c', 'delivered'],
      ['dlv_b', 'needs_retry'],
    ]);
  });

  it('leaves out an empty part when every delivery was refused', () => {
    const parts = partsOf({ ...refused, failedDeliveryIds: new Set(['dlv_a', 'dlv_b', 'dlv_c']) }, deliveries);
    expect(parts).toHaveLength(1);
    expect(parts[0]?.outcome.result).toEqual({ kind: 'error', code: 'partial' });
  });
});
