import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { Admin, EachBatchPayload, KafkaMessage } from '../../adapters/kafka/index.js';
import type pg from 'pg';
import { isConnectionError } from '../../adapters/database.js';
import { RegistryError } from '../../adapters/errors.js';
import { startOpsServer } from '../../adapters/ops-server.js';
import { toEventObject } from '../../store/event-object.js';
import { consumerHealth, openConsumerService } from '../consumer-service.js';
import type { EventDecoder } from '../event-decoder.js';
import { logStartOffset, withRetriedClient, type GroupConsumer } from '../group-consumer.js';
import { envelopeProblems } from '../../core/event-envelope.js';
import { destinationEvent } from '../../core/destination-event.js';
import { eventToJson } from '../../core/event-json.js';
import type { PauseGate } from '../pause-gate.js';
import { createAlertPublisher } from './alert-publisher.js';
import { startDispatcher, type Dispatcher } from './dispatcher.js';
import { fanOut, type FanOutItem } from './fan-out.js';
import { createStreamerMetrics, type StreamerMetrics } from './metrics.js';
import { streamerDefaults, type StreamerOptions } from './options.js';
import { startSenders } from '../../destinations/server.js';
import type { DisabledDestination } from '../../store/destination-health.js';
import { listenForDeliveryNotices } from '../../store/delivery-notices.js';
import { pruneDestinationAlerts } from '../../store/destination-alerts.js';
import { pruneDeletedDestinations } from '../../store/destinations.js';
import { pruneDeliveries } from '../../store/prune-deliveries.js';
import { pruneDeliveryPayloads } from '../../store/prune-delivery-payloads.js';
import { queueDepths } from '../../store/queue-depths.js';

export interface Streamer {
  /** The port of `/healthz` and `/metrics`. */
  readonly port: number;
  /** Stops consuming, lets attempts in flight finish (or frees them for retry) and closes every connection. */
  stop(): Promise<void>;
}

/**
 * Starts `evp streamer`: consumes every entity topic, records one delivery per event and
 * subscribed destination in the transaction that moves its positions (fan-out.ts), and sends
 * them through the delivery workers (dispatcher.ts).
 */
export async function startStreamer(options: StreamerOptions): Promise<Streamer> {
  const settings = { ...streamerDefaults, ...options };
  const { logger, groupId } = settings;
  const service = openConsumerService('streamer', settings, settings.concurrency + 6);
  const { pool, admin, decoder } = service;
  const owner = `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

  const metrics = createStreamerMetrics({
    lag: () => service.lag(),
    queues: () => queueDepths(pool),
  });
  metrics.databaseUp.set(1);

  await service.prepare();
  await warnIfNotVacuumed(pool, logger);

  const senders = startSenders({
    logger,
    allowedHosts: settings.allowedHosts,
    onStalled: (destinationId) => metrics.stalledAttempts.inc({ destination: destinationId }),
    ownBrokers: settings.kafkaBrokers,
    ownSecurity: settings.kafkaSecurity,
    allowedBrokers: settings.allowedKafkaBrokers ?? [],
    topicPrefix: settings.topicPrefix,
    fileRoot: settings.fileRoot,
  });
  // Alerts wait in their outbox until published: at once, or by the sweep (this streamer's or another's).
  const publishEvent = settings.publishEvent;
  const alerts = publishEvent ? createAlertPublisher({ pool, logger, publish: publishEvent }) : undefined;
  const dispatcher = startDispatcher({
    pool,
    logger,
    metrics,
    senders,
    owner,
    pollMs: settings.pollMs,
    destinationRefreshMs: settings.destinationRefreshMs,
    retryScheduleMs: settings.retryScheduleMs,
    maxConcurrency: settings.maxConcurrency,
    maxInFlight: settings.maxInFlight,
    timeoutMs: settings.timeoutMs,
    disableAfterMs: settings.disableAfterMs,
    alertDefaults: { afterFailures: settings.alertAfterFailures, afterMs: settings.alertAfterMs },
    onAlert: () => alerts?.flush() ?? Promise.resolve(),
    groupSize: settings.groupSize,
    onDisabled: (destination) => emitDisabled(settings, destination),
    secretBox: settings.secretBox,
  });

  // Deliveries made due by another process (another streamer's fan-out, a retry or replay through the API) wake these workers.
  const notices = listenForDeliveryNotices({
    url: settings.databaseUrl,
    schema: settings.databaseSchema,
    logger,
    self: owner,
    onNotice: (destinationIds) => dispatcher.wake(destinationIds),
  });
  const gate = service.createGate((paused) => metrics.databaseUp.set(paused ? 0 : 1));
  // Runs past their time threshold between attempts are alerted here; what waits in the outbox goes
  // out. One sweep at a time: a slow database skips ticks rather than piling sweeps up.
  let sweeping: Promise<void> | undefined;
  const alertSweep = setInterval(() => {
    sweeping ??= dispatcher
      .sweepAlerts()
      .then(() => alerts?.flush())
      .finally(() => (sweeping = undefined));
  }, settings.alertSweepMs);
  void alerts?.flush();
  const closeAll = async () => {
    clearInterval(alertSweep);
    await sweeping;
    gate.close();
    await service.group?.stop();
    await notices.close();
    await dispatcher.stop();
    // Alerts the last attempts raised go out before the publisher closes (or wait for another streamer).
    await alerts?.flush();
    await Promise.allSettled([admin.disconnect(), senders.close()]);
    await pool.end().catch(() => undefined);
  };

  let consumer: GroupConsumer;
  try {
    consumer = await service.join(
      batchHandler({ settings, pool, admin, decoder, metrics, gate, dispatcher, owner, seek: (...args) => service.group?.seek(...args) }),
    );
  } catch (error) {
    await closeAll();
    throw error;
  }

  const retention = setInterval(() => void prune(pool, settings.retentionDays, logger), settings.retentionIntervalMs);
  void prune(pool, settings.retentionDays, logger);

  const ops = await startOpsServer({
    port: settings.port,
    registry: metrics.registry,
    logger,
    health: () => ({
      ...consumerHealth(consumer, gate),
      attemptsInFlight: dispatcher.inFlight,
      // Leaves `ok` alone: a stalled attempt is already abandoned and its connections reset; a restart would not help.
      ...senders.health(),
      topics: consumer.topics.length,
      groupId,
    }),
  }).catch(async (error: unknown) => {
    clearInterval(retention);
    await closeAll();
    throw error;
  });
  logger.info({ port: ops.port, owner }, 'streamer health and metrics listening');

  let stopping: Promise<void> | undefined;
  return {
    port: ops.port,
    stop() {
      stopping ??= (async () => {
        logger.info('streamer stopping: finishing the attempts in flight');
        clearInterval(retention);
        await closeAll();
        await ops.close();
        logger.info('streamer stopped');
      })();
      return stopping;
    },
  };
}

interface HandlerContext {
  readonly settings: StreamerOptions & { readonly [K in keyof typeof streamerDefaults]: number };
  readonly pool: pg.Pool;
  readonly admin: Admin;
  readonly decoder: EventDecoder;
  readonly metrics: StreamerMetrics;
  readonly gate: PauseGate;
  readonly dispatcher: Dispatcher;
  /** Names this process in the notices it sends. */
  readonly owner: string;
  readonly seek: (topic: string, partition: number, offset: string) => void;
}

/** The eachBatch handler: decode, fan out in chunks of `batchSize`, resolve what was committed. */
function batchHandler(ctx: HandlerContext) {
  const { settings, metrics, gate } = ctx;
  return async (payload: EachBatchPayload): Promise<void> => {
    const { batch } = payload;
    const { topic, partition } = batch;
    const entityType = topic.slice(settings.topicPrefix.length + 1);
    const log = settings.logger.child({ topic, partition });
    for (let start = 0; start < batch.messages.length; start += settings.batchSize) {
      if (!payload.isRunning() || payload.isStale() || gate.paused) return;
      const messages = batch.messages.slice(start, start + settings.batchSize);
      let outcome;
      try {
        const items = await decodeAll(ctx.decoder, messages, entityType);
        outcome = await fanOutWithRetry(ctx, topic, partition, items);
      } catch (error) {
        if (!(error instanceof RegistryError) && !isConnectionError(error)) log.error({ err: error }, 'fanning out a batch failed');
        gate.failed(error, error instanceof RegistryError ? 'the schema registry failed' : 'PostgreSQL is unreachable');
        return;
      }
      gate.succeeded();
      if (outcome.kind === 'rewind') {
        ctx.seek(topic, partition, outcome.to.toString());
        return;
      }
      if (outcome.lost)
        log.warn(
          { from: outcome.lost.from.toString(), to: outcome.lost.to.toString() },
          'records between the stored position and the log start were deleted by Kafka retention before they were fanned out',
        );
      for (const skipped of outcome.skipped) {
        metrics.skipped.inc({ topic });
        log.warn({ offset: skipped.offset, reason: skipped.reason }, 'record not fanned out (the materializer dead-letters it)');
      }
      if (outcome.deliveries > 0) {
        metrics.fannedOut.inc({ topic }, outcome.deliveries);
        ctx.dispatcher.wake(outcome.destinationIds);
      }
      payload.resolveOffset((messages[messages.length - 1] as KafkaMessage).offset);
      await payload.heartbeat();
    }
  };
}

function fanOutWithRetry(ctx: HandlerContext, topic: string, partition: number, items: readonly FanOutItem[]) {
  return withRetriedClient(ctx.pool, (client) =>
    fanOut(
      client,
      { groupId: ctx.settings.groupId, topic, partition },
      items,
      () => logStartOffset(ctx.admin, topic, partition),
      ctx.owner,
    ),
  );
}

async function decodeAll(decoder: EventDecoder, messages: readonly KafkaMessage[], entityType: string): Promise<FanOutItem[]> {
  const now = Date.now();
  const items: FanOutItem[] = [];
  for (const message of messages) {
    const { offset } = message;
    const decoded = await decoder.decode(message.value ?? null);
    if (!decoded.ok) {
      items.push({ offset, skipped: decoded.reason });
      continue;
    }
    const problems = envelopeProblems(decoded.event, entityType, now);
    if (problems.length > 0) {
      items.push({ offset, skipped: `the event fails validation: ${problems.join('; ')}` });
      continue;
    }
    // The event object as the API serves it, straight from the decoded record (once per event: a hot path).
    const payload = toEventObject(eventToJson(decoded.event));
    items.push({
      offset,
      event: {
        id: payload.id,
        organizationId: payload.organization_id,
        type: payload.type,
        severity: payload.severity,
        entityType: payload.entity_type,
        entityId: payload.entity_id,
        payload: JSON.stringify(payload),
      },
    });
  }
  return items;
}

async function prune(pool: pg.Pool, retentionDays: number, logger: StreamerOptions['logger']): Promise<void> {
  try {
    const deleted = await pruneDeliveries(pool, retentionDays);
    if (deleted > 0) logger.info({ deleted, retentionDays }, 'deliveries past retention deleted');
    // After the deliveries: their payloads are deleted once no delivery refers to them.
    const payloads = await pruneDeliveryPayloads(pool, retentionDays);
    if (payloads > 0) logger.info({ deleted: payloads, retentionDays }, 'delivery payloads no delivery refers to deleted');
    await pruneDestinationAlerts(pool, retentionDays);
    // Last: a deleted destination goes once no delivery refers to it.
    const destinations = await pruneDeletedDestinations(pool, retentionDays);
    if (destinations > 0) logger.info({ deleted: destinations, retentionDays }, 'destinations deleted before the retention period removed');
  } catch (error) {
    logger.warn({ err: error }, 'delivery retention run failed; trying again at the next run');
  }
}

/** `destination.disabled`, published like any other event (topic `<prefix>.destination`). */
async function emitDisabled(settings: StreamerOptions, destination: DisabledDestination): Promise<void> {
  if (!settings.publishEvent) return;
  await settings.publishEvent(
    'destination.disabled',
    destinationEvent({ ...destination, active: false }, { source: 'system', severity: 'warn', previous_attributes: { active: true } }),
  );
}

/**
 * The delivery queue is updated twice per delivery; without autovacuum its indexes fill with dead
 * entries and every claim walks past them, so delivery slows down the longer the streamer runs.
 */
async function warnIfNotVacuumed(pool: pg.Pool, logger: StreamerOptions['logger']): Promise<void> {
  const { rows } = await pool
    .query<{ autovacuum: string }>(`select current_setting('autovacuum') as autovacuum`)
    .catch(() => ({ rows: [] as { autovacuum: string }[] }));
  if (rows[0]?.autovacuum === 'off')
    logger.warn(
      'PostgreSQL runs with autovacuum off: the deliveries table fills with dead rows and claims slow down over time; turn autovacuum on (or vacuum deliveries and delivery_attempts regularly)',
    );
}
