import { describe, expect, it } from 'vitest';
import { cloudEventHeaders, formatMicros, readCloudEventHeaders } from '../../core/cloudevents.js';

describe('CloudEvents headers', () => {
  it('map the envelope to ce_* binary-mode headers', () => {
    const headers = cloudEventHeaders(
      {
        id: 'evt_1',
        type: 'sim.activated',
        occurred_at: 1_795_000_000_123_456,
        organization_id: 'org 1',
        entity_id: 'sim_1',
        severity: 'warn',
        request_id: null,
      },
      'sim-api',
    );
    expect(headers).toEqual({
      ce_specversion: '1.0',
      ce_id: 'evt_1',
      ce_type: 'sim.activated',
      ce_source: '/orgs/org%201/sim-api',
      ce_time: formatMicros(1_795_000_000_123_456),
      ce_subject: 'sim_1',
      ce_orgid: 'org 1',
      ce_severity: 'warn',
      'content-type': 'application/avro',
    });
    expect(headers.ce_time).toMatch(/\.123456Z$/);
    expect(readCloudEventHeaders({ ...headers, other: Buffer.from('x'), ce_id: Buffer.from('evt_1') })).toEqual(headers);
  });
});
