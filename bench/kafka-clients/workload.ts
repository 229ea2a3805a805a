/**
 * The kafka-clients scenario's records, the same bytes for every client: values of a fixed size
 * (random capital letters, as ProducerPerformance fills its records, so gzip sees comparable
 * entropy), keys cycling over a number of entities, and headers shaped like the publisher's
 * CloudEvents headers. Pure: the letters come from the caller.
 */

export interface WorkloadSpec {
  /** Records per produce run, and read back per consume run. */
  readonly records: number;
  /** Bytes of each record's value. */
  readonly recordBytes: number;
  /** Distinct keys (entity ids) the records cycle through. */
  readonly keys: number;
  /** Headers per record. */
  readonly headers: number;
  /** Bytes of each record's headers, names and values together. */
  readonly headerBytes: number;
  readonly partitions: number;
  /** Records sent but not yet acknowledged, at most. */
  readonly window: number;
  /** Records per send() call of the Node clients. */
  readonly batch: number;
  /** The async work each consumed batch waits for in the "with work" runs, in ms. */
  readonly workMs: number;
}

export interface WorkloadRecord {
  readonly key: Buffer;
  readonly value: Buffer;
  readonly headers: readonly (readonly [string, Buffer])[];
}

export interface Workload {
  readonly spec: WorkloadSpec;
  /** The i-th record to produce. */
  record(index: number): WorkloadRecord;
}

/** The publisher's CloudEvents header names (core/cloudevents.ts), the first headers' names. */
const headerNames = ['ce_specversion', 'ce_id', 'ce_type', 'ce_source', 'ce_time', 'ce_subject', 'ce_orgid', 'ce_severity', 'content-type'];

/** Distinct values, cycled through; built before any timing starts. */
const valuePool = 1024;

/**
 * `count` headers whose names and values add up to `totalBytes`: the CloudEvents names first
 * (`ce_x<n>` past them), the value bytes shared out evenly, the first values one longer when
 * they do not divide.
 */
export function buildHeaders(count: number, totalBytes: number, letters: (length: number) => string): [string, Buffer][] {
  const names = Array.from({ length: count }, (_, i) => headerNames[i] ?? `ce_x${i}`);
  const nameBytes = names.reduce((sum, name) => sum + Buffer.byteLength(name), 0);
  const valueBytes = totalBytes - nameBytes;
  if (valueBytes < 0) throw new Error(`${count} headers need at least ${nameBytes} bytes for their names; ${totalBytes} asked for`);
  const each = Math.floor(valueBytes / Math.max(1, count));
  const longer = valueBytes - each * count;
  return names.map((name, i) => [name, Buffer.from(letters(each + (i < longer ? 1 : 0)), 'latin1')]);
}

/** `ent_<n>`, zero-padded so every key has the same length. */
export function buildKeys(count: number): Buffer[] {
  const width = String(Math.max(0, count - 1)).length;
  return Array.from({ length: count }, (_, i) => Buffer.from(`ent_${String(i).padStart(width, '0')}`));
}

export function createWorkload(spec: WorkloadSpec, letters: (length: number) => string): Workload {
  const keys = buildKeys(spec.keys);
  const values = Array.from({ length: Math.min(valuePool, spec.records) }, () => Buffer.from(letters(spec.recordBytes), 'latin1'));
  const headers = buildHeaders(spec.headers, spec.headerBytes, letters);
  return {
    spec,
    record: (index) => ({ key: keys[index % keys.length] as Buffer, value: values[index % values.length] as Buffer, headers }),
  };
}

/** Bytes of a record's key, value and headers (names and values): what each client is handed. */
export function recordBytes(record: WorkloadRecord): number {
  return (
    record.key.length + record.value.length + record.headers.reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + value.length, 0)
  );
}

/** Round `round`'s order of `items`: rotated by one each round, so no client always goes first. */
export function roundOrder<T>(items: readonly T[], round: number): T[] {
  const shift = items.length === 0 ? 0 : round % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

/** The most intervals open at once, an interval's end not overlapping a start at the same instant. */
export function maxOverlap(intervals: readonly (readonly [start: number, end: number])[]): number {
  const edges = intervals.flatMap(([start, end]) => [
    [start, 1],
    [end, -1],
  ]);
  // Ends before starts at the same instant.
  edges.sort((a, b) => (a[0] as number) - (b[0] as number) || (a[1] as number) - (b[1] as number));
  let open = 0;
  let most = 0;
  for (const [, step] of edges) most = Math.max(most, (open += step as number));
  return most;
}
