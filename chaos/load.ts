import { coerceError, PipelineError } from '../adapters/errors.js';
import { createEventId } from '../core/ids.js';
import type { Publisher } from '../producers/types.js';
import { sampleData } from '../test/harness/samples.js';

/** Where an acknowledged event landed. */
export interface Placed {
  readonly type: string;
  /** `topic:partition`. */
  readonly partition: string;
  /** Its offset there, as the broker acknowledged it. */
  readonly offset: string;
}

export interface Load {
  /** Acknowledged events: id → type, partition and offset. */
  readonly acked: ReadonlyMap<string, Placed>;
  /** The topics it publishes to (entity topics of the pipeline's prefix), so far. */
  readonly entities: readonly string[];
  /** Rejected publishes: id → error code. */
  readonly rejected: ReadonlyMap<string, string>;
  /** Publishes started. */
  sent(): number;
  /** From now on also publishes events of `entity` (one whose schema id the publisher has not looked up yet). */
  addEntity(entity: string): void;
  /** Stops publishing and waits until every publish made has been acknowledged or rejected. */
  stop(): Promise<void>;
}

export interface LoadOptions {
  /** Events per second. */
  readonly rate: number;
  readonly organizationId: string;
  /** Entities whose events are published, round robin. */
  readonly entities: readonly string[];
  /** Most publishes waiting for their acknowledgement; past it the load waits (an outage must not fill memory). */
  readonly maxPending?: number;
}

const tickMs = 50;

/**
 * Steady publishing through the producer SDK while faults are injected. Every event carries an
 * id made here, so both the acknowledged and the rejected ones can be looked for in the store,
 * and every acknowledged one keeps the partition and offset the broker gave it, so a missing one
 * can be looked for in Kafka.
 */
export function startLoad(publisher: Publisher, options: LoadOptions): Load {
  const acked = new Map<string, Placed>();
  const rejected = new Map<string, string>();
  const entities = [...options.entities];
  const known = new Map<string, string[]>();
  const pending = new Set<Promise<void>>();
  const maxPending = options.maxPending ?? 20_000;
  let sent = 0;
  let credit = 0;
  let turn = 0;

  const publishOne = () => {
    const entity = entities[turn++ % entities.length] as string;
    const ids = known.get(entity) ?? [];
    known.set(entity, ids);
    // A quarter of the events create an entity, the rest update one created before.
    const create = ids.length === 0 || Math.random() < 0.25;
    const entityId = create
      ? `${entity.replaceAll('.', '_')}_${createEventId().slice(-12)}`
      : (ids[Math.floor(Math.random() * ids.length)] as string);
    if (create) ids.push(entityId);
    const type = `${entity}.${create ? 'created' : 'updated'}`;
    const id = createEventId();
    sent++;
    const publishing = publisher
      .publishUntyped(type, { id, organization_id: options.organizationId, data: sampleData(entity, entityId) })
      .then(
        (result) => void acked.set(id, { type, partition: `${result.topic}:${result.partition}`, offset: result.offset }),
        (error: unknown) => {
          const failure = coerceError(error);
          rejected.set(id, failure instanceof PipelineError ? (failure as PipelineError).code : failure.message);
        },
      )
      .finally(() => pending.delete(publishing));
    pending.add(publishing);
  };

  const timer = setInterval(() => {
    credit += (options.rate * tickMs) / 1000;
    while (credit >= 1 && pending.size < maxPending) {
      credit -= 1;
      publishOne();
    }
    credit = Math.min(credit, options.rate);
  }, tickMs);

  return {
    acked,
    entities,
    rejected,
    sent: () => sent,
    addEntity(entity) {
      if (!entities.includes(entity)) entities.push(entity);
    },
    async stop() {
      clearInterval(timer);
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  };
}
