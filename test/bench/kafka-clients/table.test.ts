import { describe, expect, it } from 'vitest';
import { renderClientsTable, summarizeRuns, type Client, type RunResult, type WorkloadName } from '../../../bench/kafka-clients/table.js';

function run(round: number, workload: WorkloadName, client: Client, recordsPerSec: number | null): RunResult {
  return {
    round,
    workload,
    client,
    topic: 't',
    recordsPerSec,
    elapsedMs: recordsPerSec === null ? null : 1_000,
    error: recordsPerSec === null ? 'broke' : null,
    detail: {},
  };
}

describe('summarizeRuns', () => {
  it('takes the median over rounds and the median of each round’s ratio to Java', () => {
    const rows = summarizeRuns(
      [
        run(0, 'produce none', 'kafkajs', 10_000),
        run(0, 'produce none', 'Java', 100_000),
        run(1, 'produce none', 'kafkajs', 30_000),
        run(1, 'produce none', 'Java', 50_000),
        run(2, 'produce none', 'kafkajs', 20_000),
        run(2, 'produce none', 'Java', 80_000),
      ],
      3,
    );
    const kafkajs = rows.find((row) => row.client === 'kafkajs');
    expect(kafkajs?.medianPerSec).toBe(20_000);
    // Ratios 0.1, 0.6, 0.25: the median of the ratios, not the ratio of the medians (0.25).
    expect(kafkajs?.medianRatio).toBe(0.25);
    expect(kafkajs?.perRound).toEqual([10_000, 30_000, 20_000]);
    expect(rows.find((row) => row.client === 'Java')?.medianRatio).toBe(1);
  });

  it('leaves a failed round out of the median and counts it', () => {
    const rows = summarizeRuns(
      [
        run(0, 'produce gzip', '@platformatic/kafka', null),
        run(0, 'produce gzip', 'Java', 10_000),
        run(1, 'produce gzip', '@platformatic/kafka', 5_000),
        run(1, 'produce gzip', 'Java', 10_000),
      ],
      2,
    );
    const row = rows.find((candidate) => candidate.client === '@platformatic/kafka');
    expect(row).toMatchObject({ medianPerSec: 5_000, medianRatio: 0.5, failures: 1, perRound: [null, 5_000] });
  });

  it('compares consuming with work against Java’s plain consume of the same round', () => {
    const rows = summarizeRuns(
      [run(0, 'consume, commit per batch', 'Java', 100_000), run(0, 'consume + work per batch', 'kafkajs', 40_000)],
      1,
    );
    expect(rows).toHaveLength(2);
    expect(rows.find((row) => row.client === 'kafkajs')?.medianRatio).toBe(0.4);
  });

  it('has no ratio when Java did not run', () => {
    const rows = summarizeRuns([run(0, 'produce none', 'kafkajs', 1_000)], 1);
    expect(rows).toEqual([
      { workload: 'produce none', client: 'kafkajs', medianPerSec: 1_000, medianRatio: null, perRound: [1_000], failures: 0 },
    ]);
  });
});

describe('renderClientsTable', () => {
  it('prints a row per client with its median, ratio, successes and rounds, then the notes', () => {
    const rows = summarizeRuns(
      [
        run(0, 'produce none', 'kafkajs', 12_345.6),
        run(0, 'produce none', 'Java', 50_000),
        run(1, 'produce none', 'kafkajs', null),
        run(1, 'produce none', 'Java', 40_000),
      ],
      2,
    );
    expect(renderClientsTable({ rounds: 2, rows, notes: ['a note'] })).toBe(
      [
        'workload     | client  | records/s (median) | × Java (median) |  ok | records/s per round',
        '-------------+---------+--------------------+-----------------+-----+--------------------',
        'produce none | kafkajs |             12,346 |           0.25× | 1/2 | 12,346 failed',
        'produce none | Java    |             40,000 |           1.00× | 2/2 | 50,000 40,000',
        '',
        'a note',
      ].join('\n'),
    );
  });
});
