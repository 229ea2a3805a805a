import { describe, expect, it } from 'vitest';
import {
  buildHeaders,
  buildKeys,
  createWorkload,
  maxOverlap,
  recordBytes,
  roundOrder,
  type WorkloadSpec,
} from '../../../bench/kafka-clients/workload.js';

/** Deterministic letters: 'A' repeated, so sizes are what the tests check. */
const letters = (length: number) => 'A'.repeat(length);

const spec: WorkloadSpec = {
  records: 5_000,
  recordBytes: 1_000,
  keys: 1_000,
  headers: 9,
  headerBytes: 218,
  partitions: 6,
  window: 4_000,
  batch: 500,
  workMs: 5,
};

describe('buildHeaders', () => {
  it('names the first nine headers as the publisher does and sums names and values to the bytes asked', () => {
    const headers = buildHeaders(9, 218, letters);
    expect(headers.map(([name]) => name)).toEqual([
      'ce_specversion',
      'ce_id',
      'ce_type',
      'ce_source',
      'ce_time',
      'ce_subject',
      'ce_orgid',
      'ce_severity',
      'content-type',
    ]);
    expect(headers.reduce((sum, [name, value]) => sum + name.length + value.length, 0)).toBe(218);
  });

  it('gives the first values the bytes that do not divide evenly', () => {
    const headers = buildHeaders(2, 14 + 5 + 3, letters);
    expect(headers.map(([, value]) => value.length)).toEqual([2, 1]);
  });

  it('names headers past the ninth ce_x<n>', () => {
    expect(
      buildHeaders(11, 500, letters)
        .map(([name]) => name)
        .slice(9),
    ).toEqual(['ce_x9', 'ce_x10']);
  });

  it('refuses a total smaller than the names alone', () => {
    expect(() => buildHeaders(9, 50, letters)).toThrow('9 headers need at least 83 bytes for their names; 50 asked for');
  });

  it('makes no headers when none are asked for', () => {
    expect(buildHeaders(0, 0, letters)).toEqual([]);
  });
});

describe('buildKeys', () => {
  it('pads every key to the same width', () => {
    const keys = buildKeys(1_000).map((key) => key.toString());
    expect(keys[0]).toBe('ent_000');
    expect(keys[999]).toBe('ent_999');
    expect(new Set(keys.map((key) => key.length))).toEqual(new Set([7]));
  });
});

describe('createWorkload', () => {
  it('cycles keys over the entities and keeps every record the same size', () => {
    const workload = createWorkload(spec, letters);
    expect(workload.record(0).key.toString()).toBe('ent_000');
    expect(workload.record(1_000).key.toString()).toBe('ent_000');
    expect(workload.record(1_001).key.toString()).toBe('ent_001');
    expect(workload.record(4_999).value.length).toBe(1_000);
    expect(recordBytes(workload.record(0))).toBe(7 + 1_000 + 218);
    expect(recordBytes(workload.record(4_321))).toBe(recordBytes(workload.record(0)));
  });

  it('draws distinct values from the letters it is given', () => {
    let calls = 0;
    const counting = (length: number) => String.fromCharCode(65 + (calls++ % 26)).repeat(length);
    const workload = createWorkload({ ...spec, records: 3 }, counting);
    const values = new Set([0, 1, 2].map((i) => workload.record(i).value.toString()));
    expect(values.size).toBe(3);
  });
});

describe('roundOrder', () => {
  it('rotates the clients by one each round', () => {
    const clients = ['a', 'b', 'c'];
    expect(roundOrder(clients, 0)).toEqual(['a', 'b', 'c']);
    expect(roundOrder(clients, 1)).toEqual(['b', 'c', 'a']);
    expect(roundOrder(clients, 3)).toEqual(['a', 'b', 'c']);
  });
});

describe('maxOverlap', () => {
  it('counts requests answered before the next one is sent as one in flight', () => {
    expect(
      maxOverlap([
        [0, 10],
        [10, 20],
        [20, 25],
      ]),
    ).toBe(1);
  });

  it('counts requests sent before the others are answered as in flight together', () => {
    expect(
      maxOverlap([
        [0, 10],
        [2, 12],
        [5, 6],
        [11, 30],
      ]),
    ).toBe(3);
  });

  it('is 0 without requests', () => {
    expect(maxOverlap([])).toBe(0);
  });
});
