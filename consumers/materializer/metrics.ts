import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface MaterializerMetrics {
  readonly registry: Registry;
  readonly events: Counter<'topic'>;
  readonly skipped: Counter<'topic'>;
  readonly duplicates: Counter<'topic'>;
  readonly expired: Counter<'topic'>;
  readonly deadLetters: Counter<'topic' | 'reason'>;
  readonly batchSeconds: Histogram<'topic'>;
  readonly lag: Gauge<'topic' | 'partition'>;
  readonly databaseUp: Gauge;
}

/** The materializer's Prometheus metrics, on a registry of its own (plus the process defaults). */
export function createMaterializerMetrics(
  collectLag: () => Promise<readonly { topic: string; partition: number; lag: number }[]>,
): MaterializerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'evp_materializer_' });
  const registers = [registry];
  return {
    registry,
    events: new Counter({
      name: 'evp_materializer_events_total',
      help: 'Events added to the event log (duplicates of stored events are not counted).',
      labelNames: ['topic'],
      registers,
    }),
    skipped: new Counter({
      name: 'evp_materializer_records_skipped_total',
      help: 'Records fetched again below the stored position (after a restart or rebalance) and not written twice.',
      labelNames: ['topic'],
      registers,
    }),
    duplicates: new Counter({
      name: 'evp_materializer_events_duplicate_total',
      help: 'Events already in the log when written again (a replay, or a producer retry that sent one twice): not added twice.',
      labelNames: ['topic'],
      registers,
    }),
    expired: new Counter({
      name: 'evp_materializer_events_expired_total',
      help: 'Events older than the retention: applied to entity state, not added to the log.',
      labelNames: ['topic'],
      registers,
    }),
    deadLetters: new Counter({
      name: 'evp_materializer_dead_letters_total',
      help: 'Records sent to the dead-letter topic and table, by reason.',
      labelNames: ['topic', 'reason'],
      registers,
    }),
    batchSeconds: new Histogram({
      name: 'evp_materializer_batch_duration_seconds',
      help: 'Time to decode and write one batch in its transaction.',
      labelNames: ['topic'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    lag: new Gauge({
      name: 'evp_materializer_consumer_lag',
      help: "Records in the partition past the group's stored position.",
      labelNames: ['topic', 'partition'],
      registers,
      async collect() {
        // While PostgreSQL or Kafka cannot answer, the last known values stay: the other metrics
        // (database_up first of all) matter most then.
        const values = await collectLag().catch(() => undefined);
        if (!values) return;
        this.reset();
        for (const { topic, partition, lag } of values) this.set({ topic, partition: String(partition) }, lag);
      },
    }),
    databaseUp: new Gauge({
      name: 'evp_materializer_database_up',
      help: '1 while writes to PostgreSQL succeed, 0 while consumption is paused for it.',
      registers,
    }),
  };
}
