import { describe, expect, it } from 'vitest';
import {
  alertDue,
  alertError,
  alertThresholds,
  destinationAlertEvent,
  maxAlertErrorLength,
  type DestinationAlert,
} from '../../core/destination-alert.js';
import type { DestinationEventSource } from '../../core/destination-event.js';
import { createEventId } from '../../core/ids.js';

const thresholds = { afterFailures: 5, afterMs: 60_000 };
const since = Date.parse('2026-12-06T10:00:00Z');

describe('alertDue', () => {
  it('raises destination.failing at the Nth failed attempt in a row, not before', () => {
    expect(alertDue({ since, failedAttempts: 4 }, thresholds, since + 1_000)).toBe(false);
    expect(alertDue({ since, failedAttempts: 5 }, thresholds, since + 1_000)).toBe(true);
    expect(alertDue({ since, failedAttempts: 6 }, thresholds, since + 1_000)).toBe(true);
  });

  it('raises destination.failing once the run has lasted T, however few attempts failed', () => {
    expect(alertDue({ since, failedAttempts: 1 }, thresholds, since + 59_999)).toBe(false);
    expect(alertDue({ since, failedAttempts: 1 }, thresholds, since + 60_000)).toBe(true);
  });

  it('with T at 0 raises at the first failed attempt', () => {
    expect(alertDue({ since, failedAttempts: 1 }, { afterFailures: 100, afterMs: 0 }, since)).toBe(true);
  });
});

describe('alertThresholds', () => {
  it("takes a destination's own thresholds over the deployment's, each on its own", () => {
    expect(alertThresholds({ alertAfterFailures: null, alertAfterMs: null }, thresholds)).toEqual(thresholds);
    expect(alertThresholds({ alertAfterFailures: 2, alertAfterMs: null }, thresholds)).toEqual({ afterFailures: 2, afterMs: 60_000 });
    expect(alertThresholds({ alertAfterFailures: null, alertAfterMs: 0 }, thresholds)).toEqual({ afterFailures: 5, afterMs: 0 });
  });
});

describe('alertError', () => {
  it('keeps URLs in the error without their password or credential parameters', () => {
    expect(alertError('connecting to https://bob:hunter2@hooks.example/in?token=abc&x=1 failed')).toBe(
      'connecting to https://bob:***@hooks.example/in?token=***&x=1 failed',
    );
    expect(alertError(null)).toBeNull();
  });

  it('cuts a long error to the length an alert carries', () => {
    const cut = alertError('x'.repeat(10_000));
    expect(cut).toHaveLength(maxAlertErrorLength);
    expect(cut?.endsWith('…')).toBe(true);
  });
});

describe('destinationAlertEvent', () => {
  const destination: DestinationEventSource = {
    id: 'dst_1',
    organization_id: 'org_1',
    type: 'webhook',
    description: 'billing hook',
    active: true,
    event_types: ['invoice.*'],
    severities: null,
    entity_types: null,
    ordering: 'none',
    settings: { url: 'https://user:pw@hooks.example/in?secret=s', headers: { authorization: 'Bearer nope' } },
    disabled_reason: null,
    disabled_at: null,
    created_at: new Date('2026-12-01T00:00:00Z'),
    updated_at: new Date('2026-12-01T00:00:00Z'),
  };
  const alert: DestinationAlert = {
    eventId: createEventId(),
    type: 'destination.failing',
    failingSince: new Date(since),
    failedAttempts: 5,
    lastError: 'the endpoint answered 503',
    createdAt: new Date(since + 90_000),
  };

  it('carries the fixed event id, the failure run and the destination without settings or credentials', () => {
    const event = destinationAlertEvent(destination, alert);
    expect(event).toMatchObject({
      id: alert.eventId,
      organization_id: 'org_1',
      source: 'system',
      severity: 'warn',
      occurred_at: alert.createdAt,
      data: {
        id: 'dst_1',
        url: 'https://user:***@hooks.example/in?secret=***',
        failure_run: { since: '2026-12-06T10:00:00.000Z', failed_attempts: 5, last_error: 'the endpoint answered 503' },
      },
    });
    expect(JSON.stringify(event)).not.toMatch(/Bearer|pw@|secret=s/);
  });

  it('calls a recovery info', () => {
    expect(destinationAlertEvent(destination, { ...alert, type: 'destination.recovered', lastError: null }).severity).toBe('info');
  });
});
