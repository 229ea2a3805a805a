/** A record as far as matching it to Kafka's answer goes: where it was sent. */
interface Placed {
  readonly topic: string;
  readonly partition: number;
}

/** One partition's share of a produce answer: where the request's records of that partition begin. */
export interface PartitionAnswer {
  readonly topic: string;
  readonly partition: number;
  /** undefined or negative: the partition has no offset in the answer. */
  readonly baseOffset: string | bigint | undefined;
}

export interface Matched<R extends Placed> {
  /** Each answered record's offset. */
  readonly offsets: Map<R, string>;
  /** The records of partitions the answer left out (or answered without an offset), in the order given. */
  readonly unanswered: R[];
}

/**
 * Gives each record of one produce request its offset from Kafka's answer: within a request the
 * records of a partition are appended in order from the partition's base offset. A partition with
 * no answer or a negative offset was not acknowledged, and its records say so instead of getting
 * an offset they do not have.
 */
export function matchAnswers<R extends Placed>(records: readonly R[], answers: readonly PartitionAnswer[]): Matched<R> {
  const next = new Map<string, bigint>();
  for (const answer of answers) {
    const base = answer.baseOffset;
    if (base !== undefined && BigInt(base) >= 0n) next.set(`${answer.topic}:${answer.partition}`, BigInt(base));
  }
  const offsets = new Map<R, string>();
  const unanswered: R[] = [];
  for (const record of records) {
    const slot = `${record.topic}:${record.partition}`;
    const offset = next.get(slot);
    if (offset === undefined) {
      unanswered.push(record);
      continue;
    }
    offsets.set(record, offset.toString());
    next.set(slot, offset + 1n);
  }
  return { offsets, unanswered };
}
