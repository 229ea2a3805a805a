import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface StreamerMetrics {
  readonly registry: Registry;
  readonly fannedOut: Counter<'topic'>;
  readonly skipped: Counter<'topic'>;
  readonly deliveries: Counter<'type' | 'outcome'>;
  readonly attemptSeconds: Histogram<'type' | 'result'>;
  readonly inFlight: Gauge<'destination'>;
  readonly disabled: Counter<'reason'>;
  readonly alerts: Counter<'type'>;
  readonly databaseUp: Gauge;
  readonly unreadableSecrets: Gauge;
  readonly stalledAttempts: Counter<'destination'>;
  readonly recordRetries: Counter;
  readonly abandonedAttempts: Counter;
}

export interface StreamerGauges {
  readonly lag: () => Promise<readonly { topic: string; partition: number; lag: number }[]>;
  readonly queues: () => Promise<readonly { destinationId: string; depth: number; oldestSeconds: number }[]>;
}

/** The streamer's Prometheus metrics, on a registry of its own (plus the process defaults). */
export function createStreamerMetrics(gauges: StreamerGauges): StreamerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'evp_streamer_' });
  const registers = [registry];
  let queues: Promise<readonly { destinationId: string; depth: number; oldestSeconds: number }[] | undefined> | undefined;
  // Both queue gauges read one query per scrape.
  const readQueues = () => {
    queues ??= gauges.queues().catch(() => undefined);
    const pending = queues;
    setTimeout(() => (queues = undefined), 100).unref();
    return pending;
  };
  const queueGauge = (name: string, help: string, value: (queue: { depth: number; oldestSeconds: number }) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['destination'],
      registers,
      async collect() {
        const values = await readQueues();
        if (!values) return;
        this.reset();
        for (const queue of values) this.set({ destination: queue.destinationId }, value(queue));
      },
    });
  queueGauge('evp_streamer_queue_depth', 'Deliveries pending or waiting for a retry, per destination.', (queue) => queue.depth);
  queueGauge(
    'evp_streamer_oldest_pending_seconds',
    'Age of the oldest unsettled delivery, per destination.',
    (queue) => queue.oldestSeconds,
  );
  new Gauge({
    name: 'evp_streamer_consumer_lag',
    help: "Records in the partition past the streamer's stored position.",
    labelNames: ['topic', 'partition'],
    registers,
    async collect() {
      const values = await gauges.lag().catch(() => undefined);
      if (!values) return;
      this.reset();
      for (const { topic, partition, lag } of values) this.set({ topic, partition: String(partition) }, lag);
    },
  });
  return {
    registry,
    fannedOut: new Counter({
      name: 'evp_streamer_deliveries_recorded_total',
      help: 'Deliveries recorded by fan-out (one per event and subscribed destination).',
      labelNames: ['topic'],
      registers,
    }),
    skipped: new Counter({
      name: 'evp_streamer_records_skipped_total',
      help: 'Records with no event to fan out (the materializer dead-letters them with the reason).',
      labelNames: ['topic'],
      registers,
    }),
    deliveries: new Counter({
      name: 'evp_streamer_attempts_total',
      help: 'Delivery attempts by destination type and outcome: delivered, retry, failed (for good).',
      labelNames: ['type', 'outcome'],
      registers,
    }),
    attemptSeconds: new Histogram({
      name: 'evp_streamer_attempt_duration_seconds',
      help: 'Time of one attempt, connect to answer.',
      labelNames: ['type', 'result'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    inFlight: new Gauge({
      name: 'evp_streamer_attempts_in_flight',
      help: 'Attempts being sent now, per destination.',
      labelNames: ['destination'],
      registers,
    }),
    disabled: new Counter({
      name: 'evp_streamer_destinations_disabled_total',
      help: 'Destinations disabled by the streamer: gone (410) or failing for longer than the disable period.',
      labelNames: ['reason'],
      registers,
    }),
    alerts: new Counter({
      name: 'evp_streamer_destination_alerts_total',
      help: 'Destination alerts raised by this streamer: failing (destination.failing) or recovered (destination.recovered).',
      labelNames: ['type'],
      registers,
    }),
    databaseUp: new Gauge({
      name: 'evp_streamer_database_up',
      help: '1 while PostgreSQL answers the streamer, 0 while fan-out is paused for it.',
      registers,
    }),
    unreadableSecrets: new Gauge({
      name: 'evp_streamer_destinations_secret_unreadable',
      help: "Active destinations whose signing secret or credentials this streamer's key cannot open; their deliveries wait.",
      registers,
    }),
    stalledAttempts: new Counter({
      name: 'evp_streamer_webhook_stalled_attempts_total',
      help: "Webhook attempts still unsettled after their timeout plus a margin: abandoned as timeouts, and the destination's connections destroyed.",
      labelNames: ['destination'],
      registers,
    }),
    recordRetries: new Counter({
      name: 'evp_streamer_attempt_record_retries_total',
      help: 'Writes of attempt outcomes that failed (the database did not answer) and were tried again.',
      registers,
    }),
    abandonedAttempts: new Counter({
      name: 'evp_streamer_attempts_unknown_total',
      help: 'Attempts whose worker stopped before recording the answer, marked unknown when another worker took their deliveries or at shutdown.',
      registers,
    }),
  };
}
