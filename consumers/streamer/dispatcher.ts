import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import type { Logger } from '../../adapters/logger.js';
import type { AlertThresholds } from '../../core/destination-alert.js';
import type { SecretBox } from '../../core/secret-box.js';
import type { DeliveryPlan, SendOutcome, Senders } from '../../destinations/server.js';
import type { StreamerMetrics } from './metrics.js';
import {
  claimBatch,
  claimDeliveries,
  claimForDestinations,
  unclaimDeliveries,
  type ClaimedDelivery,
  type DestinationClaim,
} from '../../store/claim-deliveries.js';
import { createAttemptRecorder } from './attempt-recorder.js';
import { releaseLeases } from '../../store/complete-attempt.js';
import type { DisabledDestination } from '../../store/destination-health.js';
import { dueDestinations } from '../../store/due-destinations.js';
import { loadDestinations, type SendingDestination } from '../../store/load-destinations.js';
import { createClaimedAhead } from './claimed-ahead.js';
import { createDestinationJudge } from './destination-judge.js';
import { createDestinationSlots } from './slots.js';
import { partsOf, resultLabel, verdictsOf } from './verdicts.js';
import { createWakeBook } from './wake-book.js';
import { payloadContentType, shapePayload } from '../../core/payload-shape.js';

export interface DispatcherOptions {
  readonly pool: pg.Pool;
  readonly logger: Logger;
  readonly metrics: StreamerMetrics;
  /** Every destination type's sender (destinations/server.ts). */
  readonly senders: Senders;
  /** Names this process's leases. */
  readonly owner: string;
  /**
   * How often every destination with due work is looked for when nothing wakes the dispatcher, in
   * ms: a safety net under the wake-ups (fan-outs, notices, finished attempts, retry timers), and
   * how soon a crashed worker's deliveries are taken once their leases run out.
   */
  readonly pollMs: number;
  /** How often the destinations are read again, in ms. */
  readonly destinationRefreshMs: number;
  readonly retryScheduleMs: readonly number[];
  readonly maxConcurrency: number;
  /** Attempts in flight in this process, all destinations together. */
  readonly maxInFlight: number;
  readonly timeoutMs: number;
  /** A destination whose every attempt failed for this long is disabled, in ms. */
  readonly disableAfterMs: number;
  /** When a failure run raises `destination.failing`, for destinations without their own thresholds. */
  readonly alertDefaults: AlertThresholds;
  /** An alert was written (destination-judge.ts): publish it. */
  readonly onAlert: () => Promise<void>;
  /** Events per attempt to a Kafka or file destination. */
  readonly groupSize: number;
  readonly onDisabled: (destination: DisabledDestination) => Promise<void>;
  /** Opens the signing secrets sealed at rest. */
  readonly secretBox: SecretBox;
  /** How long `stop()` waits for outcomes it could not record yet (the database is down), in ms. @defaultValue 10000 */
  readonly recordGraceMs?: number;
}

export interface Dispatcher {
  /**
   * Claims for these destinations now (a fan-out recorded deliveries for them, say) instead of at
   * the next poll; without ids, for every destination with due work.
   */
  wake(destinationIds?: readonly string[]): void;
  /** Raises the alerts of failure runs past their `after_ms` that no failed attempt came to check; never rejects. */
  sweepAlerts(): Promise<void>;
  /** Attempts being sent now. */
  readonly inFlight: number;
  /** Stops claiming, lets the attempts in flight finish and frees any lease left. */
  stop(): Promise<void>;
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
// Most destinations claimed for in one statement.
const claimChunk = 250;
// How soon the destinations are read again for one a wake-up names that is not loaded.
const reloadForUnknownMs = 250;
// A delivery claimed ahead and not started within this long is handed back (its destination slowed).
const aheadMaxAgeMs = 2_000;

/**
 * The delivery workers: each destination is claimed and sent to on its own, within its own
 * concurrency and rate limits, so a slow or dead destination fills only its own slots. Attempts
 * never hold a database connection; a claim is a lease in the row, so a crashed worker's
 * deliveries come back once their lease runs out.
 */
export function startDispatcher(options: DispatcherOptions): Dispatcher {
  const { pool, logger, metrics } = options;
  const slots = createDestinationSlots(options.maxConcurrency);
  // Attempts until their outcome is on record (stop() waits for them), and those still waiting for their answer.
  const running = new Set<Promise<void>>();
  let sending = 0;
  let byId = new Map<string, PlannedDestination>();
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
  const judge = createDestinationJudge({
    pool,
    logger,
    metrics,
    disableAfterMs: options.disableAfterMs,
    alertDefaults: options.alertDefaults,
    onDisabled: options.onDisabled,
    onAlert: options.onAlert,
    drop: (destinationId) => {
      byId.delete(destinationId);
      void handBack(ahead.drain(destinationId));
    },
  });
  const book = createWakeBook(() => void tick());
  // Batch destinations whose deliveries were not ready (too few, too young) when last claimed.
  const batchesWaiting = new Set<string>();
  // Destinations with room of their own that got none because this process was full: wanted
  // again, first, when an attempt ends or when room reserved for others went unused.
  let starved = new Set<string>();
  const handBack = (deliveries: readonly ClaimedDelivery[]): Promise<void> =>
    unclaimDeliveries(pool, options.owner, deliveries).then(
      () => undefined,
      (error: unknown) =>
        logger.warn(
          { err: error, deliveries: deliveries.length },
          'handing back deliveries claimed ahead failed; their leases run out instead',
        ),
    );
  const ahead = createClaimedAhead({ maxAgeMs: aheadMaxAgeMs, onStale: (deliveries) => void handBack(deliveries) });
  /** How many of a destination's deliveries are claimed ahead: one per slot, for single deliveries sent in any order without a rate limit. */
  const depthOf = (destination: PlannedDestination): number =>
    destination.plan.claim.mode === 'single' && destination.ordering !== 'per_entity' && destination.rateLimitPerSecond === null
      ? (destination.maxConcurrency ?? options.maxConcurrency)
      : 0;

  const load = async (): Promise<void> => {
    const previous = byId;
    const destinations = (await loadDestinations(pool, options.secretBox)).map((destination) => ({
      ...destination,
      plan: options.senders.plan(destination, {
        timeoutMs: options.timeoutMs,
        concurrency: destination.maxConcurrency ?? options.maxConcurrency,
      }),
    }));
    byId = new Map(destinations.map((destination) => [destination.id, destination]));
    loadedAt = Date.now();
    for (const destination of destinations) judge.know(destination);
    complainOfSecrets();
    for (const id of slots.forget((destinationId) => byId.has(destinationId))) options.senders.release(id);
    // Paused, disabled or deleted since: what was claimed ahead for it goes back.
    for (const id of previous.keys()) if (!byId.has(id)) void handBack(ahead.drain(id));
  };

  const tick = async (): Promise<void> => {
    if (stopped) return;
    if (ticking) {
      again = true;
      return;
    }
    ticking = true;
    const wanted = book.take();
    try {
      if (Date.now() - loadedAt >= options.destinationRefreshMs) await load();
      const ids = new Set(wanted.destinationIds);
      if (wanted.scan) {
        const due = await dueDestinations(pool);
        for (const id of due.now) ids.add(id);
        if (due.nextAt !== null) book.scanAt(due.nextAt.getTime());
      }
      // A destination created since the last load: the destinations are read again (at most every
      // 250 ms; until then it is wanted again at the next read). One still unknown after that is
      // paused, disabled or deleted: its deliveries wait for a re-enable, which wakes the workers.
      const unknown = [...ids].filter((id) => !byId.has(id));
      if (unknown.length > 0 && Date.now() - loadedAt >= reloadForUnknownMs) await load();
      else for (const id of unknown) book.at(id, loadedAt + reloadForUnknownMs);
      const wantedNow = [...ids].flatMap((id) => byId.get(id) ?? []);
      // A secret this key cannot open is the operator's to fix, not the receiver's: its deliveries
      // are left for a streamer that can sign them, and nothing counts against the destination.
      await claimAndStart(wantedNow.filter((destination) => destination.secretsUnreadable === null));
    } catch (error) {
      // What was wanted is found again by a scan: soon, but not in a loop while the database is away.
      book.scanAt(Date.now() + Math.min(options.pollMs, 1_000));
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

  /** Single-delivery destinations are claimed together, many per statement; batches and groups one destination at a time. */
  const claimAndStart = async (wanted: readonly PlannedDestination[]): Promise<void> => {
    const singles: DestinationClaim[] = [];
    let budget = options.maxInFlight - sending;
    let reserved = 0;
    let started = 0;
    // Of each destination's claimed deliveries, how many start now; the rest wait for a slot.
    const startNow = new Map<string, number>();
    for (const [index, destination] of wanted.entries()) {
      if (stopped) return;
      const room = slots.room(destination);
      // Only the rate limit stands in the way: wanted again once a token is back.
      if (room.waitMs !== undefined) book.at(destination.id, Date.now() + room.waitMs);
      if (room.slots <= 0) continue;
      // A destination with nothing in flight may always start one: however many destinations hang
      // and fill the process, the others keep a slot each.
      // When room is short, each destination still wanting gets its share of what is left, so the
      // first ones do not take it all (and open a connection per slot).
      const floor = slots.inFlight(destination.id) === 0 ? 1 : 0;
      const share = Math.ceil(Math.max(0, budget) / (wanted.length - index));
      const take = Math.min(room.slots, Math.max(floor, share));
      if (take === 0) {
        starved.add(destination.id);
        continue;
      }
      budget -= take;
      reserved += take;
      if (destination.plan.claim.mode !== 'single') {
        for (const unit of await claimGroups(destination, take)) started += start(unit);
        continue;
      }
      const early = ahead.take(destination.id, take);
      for (const delivery of early) started += start({ destination, deliveries: [delivery], batchId: null });
      const left = take - early.length;
      const extra = Math.max(0, depthOf(destination) - ahead.size(destination.id));
      if (left + extra === 0) continue;
      startNow.set(destination.id, left);
      singles.push({ ...claimRequest(destination), limit: left + extra });
    }
    for (let i = 0; i < singles.length && !stopped; i += claimChunk) {
      const claimed = await claimForDestinations(pool, options.owner, singles.slice(i, i + claimChunk));
      noteTakenOver(claimed);
      for (const delivery of claimed) {
        const destination = byId.get(delivery.destinationId);
        // Unloaded between the claim and here (a refresh): handed back.
        if (destination === undefined) {
          void handBack([delivery]);
          continue;
        }
        const now = startNow.get(destination.id) ?? 0;
        if (now === 0) {
          ahead.put(destination.id, [delivery]);
          continue;
        }
        startNow.set(destination.id, now - 1);
        started += start({ destination, deliveries: [delivery], batchId: null });
      }
    }
    // Room reserved for destinations that had less due than asked went unused: those that waited for it try now.
    if (started < reserved && starved.size > 0) {
      const waited = starved;
      starved = new Set();
      book.want(waited);
    }
  };

  let complainedOfSecrets = 0;
  const complainOfSecrets = (): void => {
    const unreadable = [...byId.values()].filter((destination) => destination.secretsUnreadable !== null);
    metrics.unreadableSecrets.set(unreadable.length);
    if (unreadable.length === 0 || Date.now() - complainedOfSecrets < 60_000) return;
    complainedOfSecrets = Date.now();
    logger.error(
      { destinationIds: unreadable.map((d) => d.id), reason: unreadable[0]?.secretsUnreadable },
      'destination secrets this streamer cannot open (webhook signing secrets, kafka credentials): their deliveries wait for a streamer with the right DESTINATION_SECRET_KEY, or a new secret',
    );
  };

  /** Deliveries taken from a worker whose lease ran out: their last attempt went on record as unknown. */
  const noteTakenOver = (claimed: readonly ClaimedDelivery[]): void => {
    const taken = claimed.filter((delivery) => delivery.tookOver);
    if (taken.length === 0) return;
    metrics.abandonedAttempts.inc(taken.length);
    logger.warn(
      { attempts: taken.length, deliveryIds: taken.slice(0, 10).map((delivery) => delivery.id) },
      'attempts whose worker stopped before the answer are marked unknown; their deliveries are sent again',
    );
  };

  const claimRequest = (destination: PlannedDestination) => ({
    destinationId: destination.id,
    perEntity: destination.ordering === 'per_entity',
    owner: options.owner,
    leaseMs: destination.plan.timeoutMs + leaseMarginMs,
  });

  /** One attempt carries many deliveries: a batch, or a group for Kafka or a file. */
  const claimGroups = async (destination: PlannedDestination, room: number): Promise<Unit[]> => {
    const request = claimRequest(destination);
    const { claim: mode } = destination.plan;
    const units: Unit[] = [];
    for (let i = 0; i < room; i++) {
      const claimed =
        mode.mode === 'batch'
          ? await claimBatch(pool, { ...request, limit: mode.maxEvents, maxWaitMs: mode.maxWaitMs })
          : await claimDeliveries(pool, { ...request, limit: options.groupSize });
      if (claimed.length === 0) break;
      noteTakenOver(claimed);
      units.push({ destination, deliveries: claimed, batchId: mode.mode === 'batch' ? (claimed[0]?.batchId ?? null) : null });
    }
    // A batch not ready yet (too few deliveries, the oldest too young) is looked at again once it
    // may be; once only, so a destination with nothing due is not polled.
    if (mode.mode === 'batch' && units.length === 0 && !batchesWaiting.has(destination.id)) {
      batchesWaiting.add(destination.id);
      book.at(destination.id, Date.now() + mode.maxWaitMs);
    } else {
      batchesWaiting.delete(destination.id);
    }
    return units;
  };

  /**
   * Starts an attempt; returns 1, the slot it takes. The slot is the request's: it frees once the
   * answer is in, while the outcome is being recorded (the deliveries stay leased until then). Under
   * per_entity it frees once the outcome is on record, when the entity's next delivery is due.
   */
  const start = (unit: Unit): number => {
    const { destination } = unit;
    metrics.inFlight.set({ destination: destination.id }, slots.take(destination));
    sending++;
    let freed = false;
    const free = (): void => {
      if (freed) return;
      freed = true;
      sending--;
      metrics.inFlight.set({ destination: destination.id }, slots.give(destination.id));
      // The next one claimed ahead goes at once, if the destination (and the process) has room.
      if (!stopped && byId.has(destination.id) && slots.room(destination).slots > 0 && sending < options.maxInFlight)
        for (const next of ahead.take(destination.id, 1)) start({ destination, deliveries: [next], batchId: null });
      // Its next deliveries may be claimed now, after those of destinations that waited for room in this process.
      const waited = starved;
      starved = new Set();
      book.want([...waited, destination.id]);
    };
    const work = attempt(unit, destination.ordering === 'per_entity' ? () => undefined : free)
      .catch((error: unknown) =>
        logger.error(
          { err: error, destinationId: destination.id, deliveryIds: unit.deliveries.map((d) => d.id) },
          'an attempt ended without its outcome on record; it shows unknown once its lease runs out, and the deliveries are retried',
        ),
      )
      .finally(() => {
        running.delete(work);
        free();
      });
    running.add(work);
    return 1;
  };

  const attempt = async (unit: Unit, answered: () => void): Promise<void> => {
    const { destination } = unit;
    // Made only when there is something to say: a child logger per attempt was a measurable cost.
    let child: Logger | undefined;
    const log = (): Logger => (child ??= logger.child({ destinationId: destination.id }));
    const startedAt = Date.now();
    const outcome = await send(unit).catch((error: unknown): SendOutcome => ({
      result: { kind: 'error', code: 'internal' },
      durationMs: Date.now() - startedAt,
      error: `the attempt could not be made: ${(error as Error).message}`,
    }));
    answered();
    metrics.attemptSeconds.observe({ type: destination.type, result: resultLabel(outcome.result) }, outcome.durationMs / 1000);
    const now = Date.now();
    const schedule = destination.retryScheduleMs ?? options.retryScheduleMs;
    // A batch the target took in part is recorded as two outcomes, in the same group commit.
    const parts = partsOf(outcome, unit.deliveries).map((part) => ({
      outcome: part.outcome,
      ...verdictsOf(part.outcome.result, part.deliveries, schedule, now),
    }));
    const recorded = await Promise.all(
      parts.map((part) =>
        recorder.record({
          startedAt: new Date(startedAt),
          durationMs: part.outcome.durationMs,
          statusCode: part.outcome.statusCode ?? null,
          error: part.outcome.error ?? null,
          responseBody: part.outcome.responseBody ?? null,
          deliveries: part.deliveries,
        }),
      ),
    );
    // Each set holds the ids its whole group write moved (hundreds): asked, never copied.
    const settledIds = (id: string): boolean => recorded.some((ids) => ids.has(id));
    const deliveries = parts.flatMap((part) => part.deliveries.map((delivery) => ({ ...delivery, error: part.outcome.error })));
    const gone = parts.some((part) => part.gone);
    let lost = 0;
    for (const delivery of deliveries) {
      if (!settledIds(delivery.id)) {
        lost++;
        continue;
      }
      // Retries due within the same 25 ms share one timer.
      if (delivery.nextAttemptAt !== null) book.at(destination.id, Math.ceil(delivery.nextAttemptAt.getTime() / 25) * 25);
      const outcomeLabel = delivery.status === 'needs_retry' ? 'retry' : delivery.status;
      metrics.deliveries.inc({ type: destination.type, outcome: outcomeLabel });
      if (delivery.status === 'delivered') continue;
      const fields = { deliveryId: delivery.id, attempt: delivery.attempt };
      if (delivery.status === 'failed') log().error({ ...fields, error: delivery.error }, 'delivery failed for good');
      else
        log().warn({ ...fields, error: delivery.error, nextAttemptAt: delivery.nextAttemptAt }, 'delivery attempt failed; retry scheduled');
    }
    if (lost > 0) log().warn({ lost }, 'a lease ran out during the attempt; another worker owns those deliveries now');
    const succeeded = deliveries.every((delivery) => delivery.status === 'delivered');
    // The outcome is on record; what follows only keeps the destination's health, and is tried again by the next attempt.
    await judge
      .judge(destination, { succeeded, gone, error: outcome.error ?? null }, now)

      .catch((error: unknown) => log().warn({ err: error }, "updating the destination's failure run failed; the next attempt updates it"));
  };

  /**
   * The one hand-off to the senders: each payload is shaped here (core/payload-shape.ts), so every
   * type sends, and a webhook signs, the body the destination asked for. A payload that cannot be
   * shaped fails the attempt (retried, its reason on record), as a refused send would.
   */
  const send = async (unit: Unit): Promise<SendOutcome> => {
    const { destination } = unit;
    const shape = destination.payloadShape;
    const contentType = payloadContentType(shape);
    return destination.plan.send({
      destinationId: destination.id,
      organizationId: destination.organizationId,
      secrets: destination.secrets,
      deliveries: unit.deliveries.map((delivery) => ({
        ...delivery,
        payload: shapePayload(shape, delivery.payload),
        event: delivery.payload,
        contentType,
      })),
      batchId: unit.batchId,
    });
  };

  const poll = setInterval(() => book.wantAll(), options.pollMs);
  void tick();

  return {
    wake: (destinationIds) => (destinationIds === undefined ? book.wantAll() : book.want(destinationIds)),
    sweepAlerts: () => judge.sweep(),
    get inFlight() {
      return running.size;
    },
    async stop() {
      stopped = true;
      clearInterval(poll);
      book.close();
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
      await handBack(ahead.drain());
      const released = await releaseLeases(pool, options.owner).catch(() => 0);
      if (released > 0) logger.info({ released }, 'leases freed; those deliveries are due again');
    },
  };
}
