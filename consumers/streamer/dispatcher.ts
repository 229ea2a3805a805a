import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import type { Logger } from '../../adapters/logger.js';
import { judgeAttempt, type AttemptResult } from '../../core/delivery-schedule.js';
import type { SecretBox } from '../../core/secret-box.js';
import type { DeliveryPlan, SendOutcome, Senders } from '../../destinations/server.js';
import type { StreamerMetrics } from './metrics.js';
import { claimBatch, claimDeliveries, settleAbandonedAttempts, type ClaimedDelivery } from '../../store/claim-deliveries.js';
import { createAttemptRecorder } from './attempt-recorder.js';
import { releaseLeases, type DeliveryStatus } from '../../store/complete-attempt.js';
import { disableDestination, recordDestinationOutcome, type DisabledDestination } from '../../store/destination-health.js';
import { loadDestinations, type SendingDestination } from '../../store/load-destinations.js';

export interface DispatcherOptions {
  readonly pool: pg.Pool;
  readonly logger: Logger;
  readonly metrics: StreamerMetrics;
  /** Every destination type's sender (destinations/server.ts). */
  readonly senders: Senders;
  /** Names this process's leases. */
  readonly owner: string;
  /** How often due deliveries are looked for when nothing wakes the dispatcher, in ms. */
  readonly pollMs: number;
  /** How often the destinations are read again, in ms. */
  readonly destinationRefreshMs: number;
  readonly retryScheduleMs: readonly number[];
  readonly maxConcurrency: number;
  readonly timeoutMs: number;
  /** A destination whose every attempt failed for this long is disabled, in ms. */
  readonly disableAfterMs: number;
  /** Events per attempt to a Kafka or file destination. */
  readonly groupSize: number;
  readonly onDisabled: (destination: DisabledDestination) => Promise<void>;
  /** Opens the signing secrets sealed at rest. */
  readonly secretBox: SecretBox;
  /** How long `stop()` waits for outcomes it could not record yet (the database is down), in ms. @defaultValue 10000 */
  readonly recordGraceMs?: number;
}

export interface Dispatcher {
  /** Looks for due deliveries now (after a fan-out, say) instead of at the next poll. */
  wake(): void;
  /** Attempts being sent now. */
  readonly inFlight: number;
  /** Stops claiming, lets the attempts in flight finish and frees any lease left. */
  stop(): Promise<void>;
}

interface DestinationState {
  inFlight: number;
  tokens: number;
  refilledAt: number;
}

/** A destination and how its type claims and sends (destinations/server.ts). */
interface PlannedDestination extends SendingDestination {
  readonly plan: DeliveryPlan;
}

/** A claimed set of deliveries sent in one attempt: one webhook, one batch, or one group for Kafka or a file. */
interface Unit {
  readonly destination: PlannedDestination;
  readonly deliveries: readonly ClaimedDelivery[];
  readonly batchId: string | null;
}

// A lease outlives the longest attempt by this much, so only a crashed worker loses one.
const leaseMarginMs = 10_000;
// How often attempts left `sending` by a worker that is gone are marked `unknown`.
const sweepEveryMs = 5_000;

/**
 * The delivery workers: each destination is claimed and sent to on its own, within its own
 * concurrency and rate limits, so a slow or dead destination fills only its own slots. Attempts
 * never hold a database connection; a claim is a lease in the row, so a crashed worker's
 * deliveries come back once their lease runs out.
 */
export function startDispatcher(options: DispatcherOptions): Dispatcher {
  const { pool, logger, metrics } = options;
  const states = new Map<string, DestinationState>();
  const running = new Set<Promise<void>>();
  let destinations: PlannedDestination[] = [];
  let loadedAt = 0;
  let ticking = false;
  let again = false;
  let stopped = false;
  let lastComplaint = 0;
  const recorder = createAttemptRecorder({
    pool,
    owner: options.owner,
    logger,
    onWriteFailed: () => metrics.recordRetries.inc(),
  });
  let sweptAt = 0;
  // What this worker last knew of each destination's failure run: undefined (ask), null (none), or since when.
  const failing = new Map<string, number | null>();

  const tick = async (): Promise<void> => {
    if (stopped) return;
    if (ticking) {
      again = true;
      return;
    }
    ticking = true;
    try {
      if (Date.now() - loadedAt >= options.destinationRefreshMs) {
        const defaults = { timeoutMs: options.timeoutMs };
        destinations = (await loadDestinations(pool, options.secretBox)).map((destination) => ({
          ...destination,
          plan: options.senders.plan(destination, defaults),
        }));
        loadedAt = Date.now();
        for (const destination of destinations) failing.set(destination.id, destination.failingSince);
        complainOfSecrets();
        for (const id of states.keys()) {
          if (destinations.some((d) => d.id === id) || states.get(id)?.inFlight !== 0) continue;
          states.delete(id);
          options.senders.release(id);
        }
      }
      if (Date.now() - sweptAt >= sweepEveryMs) {
        sweptAt = Date.now();
        const abandoned = await settleAbandonedAttempts(pool);
        if (abandoned > 0) {
          metrics.abandonedAttempts.inc(abandoned);
          logger.warn({ attempts: abandoned }, 'attempts whose worker stopped before the answer are marked unknown');
        }
      }
      for (const destination of destinations) {
        if (stopped) break;
        // A secret this key cannot open is the operator's to fix, not the receiver's: its deliveries
        // are left for a streamer that can sign them, and nothing counts against the destination.
        if (destination.secretsUnreadable !== null) continue;
        for (const unit of await claim(destination)) start(unit);
      }
    } catch (error) {
      if (Date.now() - lastComplaint > 10_000) {
        lastComplaint = Date.now();
        logger.warn({ err: error }, 'claiming deliveries failed; trying again at the next poll');
      }
    } finally {
      ticking = false;
      if (again && !stopped) {
        again = false;
        setImmediate(() => void tick());
      }
    }
  };

  let complainedOfSecrets = 0;
  const complainOfSecrets = (): void => {
    const unreadable = destinations.filter((destination) => destination.secretsUnreadable !== null);
    metrics.unreadableSecrets.set(unreadable.length);
    if (unreadable.length === 0 || Date.now() - complainedOfSecrets < 60_000) return;
    complainedOfSecrets = Date.now();
    logger.error(
      { destinationIds: unreadable.map((d) => d.id), reason: unreadable[0]?.secretsUnreadable },
      'destination secrets this streamer cannot open (webhook signing secrets, kafka credentials): their deliveries wait for a streamer with the right DESTINATION_SECRET_KEY, or a new secret',
    );
  };

  const stateOf = (destination: SendingDestination): DestinationState => {
    let state = states.get(destination.id);
    if (!state) {
      state = { inFlight: 0, tokens: destination.rateLimitPerSecond ?? 0, refilledAt: Date.now() };
      states.set(destination.id, state);
    }
    return state;
  };

  /** How many attempts the destination may start now: free concurrency slots, then the rate limit's tokens. */
  const room = (destination: SendingDestination, state: DestinationState): number => {
    const free = (destination.maxConcurrency ?? options.maxConcurrency) - state.inFlight;
    const rate = destination.rateLimitPerSecond;
    if (rate === null) return free;
    const now = Date.now();
    state.tokens = Math.min(rate, state.tokens + ((now - state.refilledAt) / 1000) * rate);
    state.refilledAt = now;
    return Math.min(free, Math.floor(state.tokens));
  };

  const claim = async (destination: PlannedDestination): Promise<Unit[]> => {
    const state = stateOf(destination);
    const slots = room(destination, state);
    if (slots <= 0) return [];
    const request = {
      destinationId: destination.id,
      perEntity: destination.ordering === 'per_entity',
      owner: options.owner,
      leaseMs: destination.plan.timeoutMs + leaseMarginMs,
    };
    const { claim: mode } = destination.plan;
    const units: Unit[] = [];
    if (mode.mode !== 'single') {
      // One attempt carries many deliveries: a batch, or a group for Kafka or a file.
      for (let i = 0; i < slots; i++) {
        const claimed =
          mode.mode === 'batch'
            ? await claimBatch(pool, { ...request, limit: mode.maxEvents, maxWaitMs: mode.maxWaitMs })
            : await claimDeliveries(pool, { ...request, limit: options.groupSize });
        if (claimed.length === 0) break;
        units.push({ destination, deliveries: claimed, batchId: mode.mode === 'batch' ? (claimed[0]?.batchId ?? null) : null });
      }
      return units;
    }
    const claimed = await claimDeliveries(pool, { ...request, limit: slots });
    return claimed.map((delivery) => ({ destination, deliveries: [delivery], batchId: null }));
  };

  const start = (unit: Unit): void => {
    const state = stateOf(unit.destination);
    state.inFlight++;
    if (unit.destination.rateLimitPerSecond !== null) state.tokens -= 1;
    metrics.inFlight.set({ destination: unit.destination.id }, state.inFlight);
    const work = attempt(unit)
      .catch((error: unknown) =>
        logger.error(
          { err: error, destinationId: unit.destination.id, deliveryIds: unit.deliveries.map((d) => d.id) },
          'an attempt ended without its outcome on record; it shows unknown once its lease runs out, and the deliveries are retried',
        ),
      )
      .finally(() => {
        state.inFlight--;
        metrics.inFlight.set({ destination: unit.destination.id }, state.inFlight);
        running.delete(work);
        if (!stopped) void tick();
      });
    running.add(work);
  };

  const attempt = async (unit: Unit): Promise<void> => {
    const { destination } = unit;
    const log = logger.child({ destinationId: destination.id });
    const startedAt = Date.now();
    const outcome = await send(unit).catch((error: unknown): SendOutcome => ({
      result: { kind: 'error', code: 'internal' },
      durationMs: Date.now() - startedAt,
      error: `the attempt could not be made: ${(error as Error).message}`,
    }));
    metrics.attemptSeconds.observe({ type: destination.type, result: resultLabel(outcome.result) }, outcome.durationMs / 1000);
    const now = Date.now();
    const schedule = destination.retryScheduleMs ?? options.retryScheduleMs;
    let gone = false;
    const deliveries = unit.deliveries.map((delivery) => {
      const progress = { attempts: delivery.timesAttempted - delivery.scheduleBase, now, startedAt: delivery.scheduleStartedAt.getTime() };
      const verdict = judgeAttempt(outcome.result, progress, schedule);
      if (verdict.outcome === 'disable') gone = true;
      const status: DeliveryStatus = verdict.outcome === 'delivered' ? 'delivered' : verdict.outcome === 'retry' ? 'needs_retry' : 'failed';
      const nextAttemptAt = verdict.outcome === 'retry' ? new Date(verdict.at) : null;
      return { id: delivery.id, attempt: delivery.timesAttempted, status, nextAttemptAt };
    });
    const settled = await recorder.record({
      durationMs: outcome.durationMs,
      statusCode: outcome.statusCode ?? null,
      error: outcome.error ?? null,
      responseBody: outcome.responseBody ?? null,
      deliveries,
    });
    for (const delivery of deliveries) {
      if (!settled.has(delivery.id)) continue;
      const outcomeLabel = delivery.status === 'needs_retry' ? 'retry' : delivery.status;
      metrics.deliveries.inc({ type: destination.type, outcome: outcomeLabel });
      if (delivery.status === 'delivered') continue;
      const fields = { deliveryId: delivery.id, attempt: delivery.attempt };
      if (delivery.status === 'failed') log.error({ ...fields, error: outcome.error }, 'delivery failed for good');
      else log.warn({ ...fields, error: outcome.error, nextAttemptAt: delivery.nextAttemptAt }, 'delivery attempt failed; retry scheduled');
    }
    if (settled.size < deliveries.length)
      log.warn({ lost: deliveries.length - settled.size }, 'a lease ran out during the attempt; another worker owns those deliveries now');
    const succeeded = deliveries.every((delivery) => delivery.status === 'delivered');
    // The outcome is on record; what follows only keeps the destination's health, and is tried again by the next attempt.
    await judgeDestination(destination, succeeded, gone, now).catch((error: unknown) =>
      log.warn({ err: error }, "updating the destination's failure run failed; the next attempt updates it"),
    );
  };

  const judgeDestination = async (destination: SendingDestination, succeeded: boolean, gone: boolean, now: number): Promise<void> => {
    const failingSince = await noteOutcome(destination.id, succeeded);
    if (gone) {
      await disable(destination, 'the endpoint answered 410 Gone', 'gone');
    } else if (failingSince !== null && now - failingSince > options.disableAfterMs) {
      await disable(destination, `every attempt failed since ${new Date(failingSince).toISOString()}`, 'failing');
    }
  };

  /** Keeps `failing_since` in step, writing only when the run of failures starts or ends. */
  const noteOutcome = async (destinationId: string, succeeded: boolean): Promise<number | null> => {
    const known = failing.get(destinationId);
    if (succeeded) {
      if (known !== null) await recordDestinationOutcome(pool, destinationId, true);
      failing.set(destinationId, null);
      return null;
    }
    if (typeof known === 'number') return known;
    const since = (await recordDestinationOutcome(pool, destinationId, false))?.getTime() ?? Date.now();
    failing.set(destinationId, since);
    return since;
  };

  const disable = async (destination: SendingDestination, reason: string, label: string): Promise<void> => {
    const disabled = await disableDestination(pool, destination.id, reason);
    destinations = destinations.filter((d) => d.id !== destination.id);
    failing.delete(destination.id);
    if (!disabled) return;
    metrics.disabled.inc({ reason: label });
    logger.error({ destinationId: destination.id, reason }, 'destination disabled; its deliveries wait until it is re-enabled');
    await options
      .onDisabled(disabled)
      .catch((error: unknown) => logger.error({ err: error, destinationId: destination.id }, 'emitting destination.disabled failed'));
  };

  const send = (unit: Unit): Promise<SendOutcome> => {
    const { destination } = unit;
    return destination.plan.send({
      destinationId: destination.id,
      organizationId: destination.organizationId,
      secrets: destination.secrets,
      deliveries: unit.deliveries,
      batchId: unit.batchId,
    });
  };

  const poll = setInterval(() => void tick(), options.pollMs);
  void tick();

  return {
    wake: () => void tick(),
    get inFlight() {
      return running.size;
    },
    async stop() {
      stopped = true;
      clearInterval(poll);
      while (ticking) await new Promise((resolve) => setTimeout(resolve, 10));
      // Attempts in flight finish (the webhook watchdog bounds them). Outcomes the database will
      // not take are kept and written again, for `recordGraceMs`; past it they are given up.
      const graceEnds = Date.now() + (options.recordGraceMs ?? 10_000);
      while (running.size > 0) {
        await Promise.race([Promise.allSettled([...running]), sleep(250)]);
        if (running.size === 0 || Date.now() < graceEnds || !recorder.failing) continue;
        logger.error(
          { outcomes: recorder.waiting },
          'stopping with attempt outcomes not on record (the database does not answer): those attempts show unknown once their lease runs out',
        );
        recorder.abandon(new Error('the streamer stopped before the outcome was recorded'));
      }
      const released = await releaseLeases(pool, options.owner).catch(() => 0);
      if (released > 0) logger.info({ released }, 'leases freed; those deliveries are due again');
    },
  };
}

function resultLabel(result: AttemptResult): string {
  if (result.kind === 'response') return `${Math.floor(result.status / 100)}xx`;
  return result.kind;
}
