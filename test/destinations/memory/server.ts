import { defineServerKind } from '../../../destinations/server-kind.js';
import { memory } from './kind.js';

/** The events each bucket received, in order. */
export const kept = new Map<string, string[]>();

/** The memory sink's Node half: a bucket named `taken` is refused; an attempt appends to its bucket. */
export const memoryServer = defineServerKind({
  kind: memory,
  check: (settings) => Promise.resolve(settings.bucket === 'taken' ? [{ field: 'memory.bucket', message: 'the bucket is taken' }] : []),
  createSender: () => ({ close: () => Promise.resolve() }),
  plan: (settings, _sender, defaults) => ({
    claim: { mode: 'group' },
    timeoutMs: defaults.timeoutMs,
    send: (unit) => {
      kept.set(settings.bucket, [...(kept.get(settings.bucket) ?? []), ...unit.deliveries.map((delivery) => delivery.payload)]);
      return Promise.resolve({ result: { kind: 'response', status: 200 }, durationMs: 0 });
    },
  }),
});
