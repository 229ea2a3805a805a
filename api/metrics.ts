import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface ApiMetrics {
  readonly registry: Registry;
  readonly requestSeconds: Histogram<'method' | 'route' | 'status'>;
  readonly streamClients: Gauge;
  readonly streamDropped: Counter<'reason'>;
  readonly streamEvents: Counter;
}

export function createApiMetrics(feeds: () => number): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  new Gauge({
    name: 'evp_api_stream_feeds',
    help: 'Organizations whose live tail is being polled.',
    registers: [registry],
    collect() {
      this.set(feeds());
    },
  });
  return {
    registry,
    requestSeconds: new Histogram({
      name: 'evp_api_request_duration_seconds',
      help: 'Time to answer an API request, by route and status.',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    streamClients: new Gauge({ name: 'evp_api_stream_clients', help: 'Connected live-tail clients.', registers: [registry] }),
    streamDropped: new Counter({
      name: 'evp_api_stream_dropped_total',
      help: 'Live-tail clients disconnected by the server, by reason (too_slow, server).',
      labelNames: ['reason'],
      registers: [registry],
    }),
    streamEvents: new Counter({ name: 'evp_api_stream_events_total', help: 'Events sent to live-tail clients.', registers: [registry] }),
  };
}
