import { describe, expect, it } from 'vitest';
import type { FanOutResult } from '../../bench/width-fan-out.js';
import { renderWidthTable, widthSummaryRows } from '../../bench/width-table.js';
import type { IdleResult, WidthReport } from '../../bench/width.js';

const rates = (transactions: number, statements: number) => ({ transactions, statements, rowsRead: 100, rowsWritten: 0 });

function idle(label: string, destinations: number, transactions: number, statements: number, background = 0): IdleResult {
  return {
    label,
    destinations,
    seconds: 30,
    perSec: rates(transactions, statements),
    netPerSec: rates(transactions - background, statements - background),
    processCpuCores: 0.05,
  };
}

function fanOut(destinations: number, rate: number, perSec: number, p99: number, delivered: number): FanOutResult {
  return {
    label: `${destinations} destinations × ${rate} events/s`,
    destinations,
    rate,
    seconds: 30,
    published: 300_000 / destinations,
    offeredPerSec: 10_000,
    expected: 300_000,
    delivered,
    duringPublishPerSec: perSec * 0.9,
    perSec,
    latencyMs: { avg: p99 / 2, p50: p99 / 3, p90: p99 / 1.5, p99, max: p99 * 2 },
    drainMs: 1_500,
    transactionsPerDelivery: 0.2,
    failedAttempts: 0,
    firstAttemptError: null,
    maxOpenFiles: 400,
    error: delivered < 300_000 ? `${300_000 - delivered} of 300000 deliveries had not arrived 120 s after publishing` : null,
  };
}

const report: WidthReport = {
  scenario: 'width',
  database: 'bench_0_width',
  statementSource: 'client count',
  valueBytes: 1_000,
  streamer: { retryScheduleMs: [0, 1_000], maxConcurrency: 10, timeoutMs: 15_000, disableAfterMs: 1, retentionDays: 30 },
  idle: {
    background: idle('background (no streamer)', 0, 2, 0),
    baseline: idle('streamer, 10 idle destinations', 10, 52, 50, 2),
    wide: idle('streamer, 1000 idle destinations', 1_000, 1_002, 950, 2),
    transactionsRatio: 20,
    statementsRatio: 19,
  },
  fanOut: { baseline: fanOut(10, 1_000, 8_000, 400, 300_000), wide: fanOut(1_000, 10, 4_000, 1_600, 290_000) },
};

describe('renderWidthTable', () => {
  it('prints the idle rows beside the background and the ratio against the 2× target', () => {
    const text = renderWidthTable(report);
    expect(text).toContain('streamer, 1000 idle destinations | 1,002.0 |    1,000.0 |  950.0 |      948.0 |         100 |      0.05');
    expect(text).toContain(
      'idle, 1000 vs 10 destinations (net of the background): transactions 20.0×, statements 19.0× (the target is at most 2×)',
    );
    expect(text).toContain('statements from client count (pg_stat_statements is not in shared_preload_libraries)');
  });

  it('prints each fan-out run, the ratio of their rates and what did not arrive', () => {
    const text = renderWidthTable(report);
    expect(text).toContain(
      '10 destinations × 1000 events/s |    10,000 | 300,000/300,000 |    7,200 |     8,000 |    133 |    400 |     1.5 |          0.20',
    );
    expect(text).toContain('overall 0.5×; p99 latency 4.0×');
    expect(text).toContain('1000 destinations × 10 events/s: 10000 of 300000 deliveries had not arrived 120 s after publishing');
  });
});

describe('widthSummaryRows', () => {
  it('gives one row for the idle cost and one for the fan-out, each beside its narrow baseline', () => {
    const [idleRow, fanOutRow] = widthSummaryRows(report);
    expect(idleRow).toMatchObject({
      scenario: 'width',
      measure: 'idle streamer, 1000 destinations',
      headline: '1,000.0 xact/s, 948.0 stmt/s',
      baseline: '10 destinations: 50.0 xact/s, 48.0 stmt/s',
      ratio: 20,
    });
    expect(fanOutRow).toMatchObject({
      measure: '1000 webhooks × 10 events/s',
      headline: '4,000 deliveries/s (p50 533 / p99 1,600 ms)',
      ratio: 0.5,
      values: { deliveriesPerSec: 4_000, missing: 10_000, baselineDeliveriesPerSec: 8_000, baselineMissing: 0 },
    });
  });
});
