import { randomBytes } from 'node:crypto';
import type { RegistryClient } from '../adapters/registry.js';
import { createEventEncoder } from '../producers/event-encoder.js';
import type { PublishEvent } from '../producers/types.js';
import { readCatalogue } from '../schemas/catalogue.js';
import { readEventSchemas } from '../schemas/event-schemas.js';
import type { Invoice } from '../schemas/generated/types.js';

/**
 * The bench's events: `invoice.updated` with a realistic invoice whose `metadata.notes` is padded
 * so the Avro value (Confluent wire format: 5-byte header + Avro body) is a chosen size. Every
 * varying part (entity id, notes, event id, timestamp) has a fixed width, so every event encodes
 * to exactly the same number of bytes. The notes are random capital letters, as
 * ProducerPerformance fills its records, so gzip sees comparable entropy on both sides.
 */
export const benchEventType = 'invoice.updated';
export const benchEntity = 'invoice';
export const benchService = 'bench';

const organizationId = 'org_bench';

export interface Payload {
  /** Bytes of each event's Kafka value (wire header + Avro body). */
  readonly valueBytes: number;
  /** Bytes of each event's Kafka key (the entity id). */
  readonly keyBytes: number;
  /** Bytes of each event's CloudEvents headers (names + values). */
  readonly headerBytes: number;
  readonly headerCount: number;
  /** Distinct entity ids (Kafka keys) the events cycle through. */
  readonly keys: number;
  /** The i-th event to publish. */
  event(index: number): PublishEvent<typeof benchEventType>;
}

/** A pool of distinct paddings, cycled through; built before any timing starts. */
const notesPool = 1024;

/**
 * An event encoded as the publisher's own encoder makes it (key, value, headers), with a registry
 * that hands out id 1: the wire format's 4-byte id makes the size independent of the real id.
 */
export function encodeForSizing(type: string, event: object): ReturnType<ReturnType<typeof createEventEncoder>['encode']> {
  encoder ??= createEventEncoder({
    catalogue: readCatalogue(),
    schemas: readEventSchemas(),
    registry: { url: 'memory:', register: () => Promise.resolve({ id: 1 }) } as unknown as RegistryClient,
    topicPrefix: 'bench',
    service: benchService,
    autoRegister: true,
  });
  return encoder.encode(encoder.prepare(type, event as never));
}

let encoder: ReturnType<typeof createEventEncoder> | undefined;

export async function buildPayload(targetValueBytes: number, keys: number): Promise<Payload> {
  const idWidth = String(Math.max(0, keys - 1)).length;
  const entityIds = Array.from({ length: keys }, (_, i) => `inv_${String(i).padStart(idWidth, '0')}`);
  const eventFor = (id: string, notes: string): PublishEvent<typeof benchEventType> => ({
    organization_id: organizationId,
    actor: 'usr_bench',
    data: invoice(id, notes),
    previous_attributes: { status: 'approved', sent_at: null, updated_at: '2026-10-31T09:00:00.000Z' },
  });

  const encode = (event: PublishEvent<typeof benchEventType>) => encodeForSizing(benchEventType, event);
  const length = await paddingLength(
    targetValueBytes,
    async (padding) => (await encode(eventFor(entityIds[0] ?? 'inv_0', 'A'.repeat(padding)))).value.length,
  );

  const pool = Array.from({ length: notesPool }, () => randomLetters(length));
  const sizes = new Set<number>();
  for (const [index, notes] of pool.entries()) sizes.add((await encode(eventFor(entityIds[index % keys] ?? 'inv_0', notes))).value.length);
  if (sizes.size !== 1) throw new Error(`bench events encode to different sizes: ${[...sizes].join(', ')} bytes`);

  const sample = await encode(eventFor(entityIds[0] ?? 'inv_0', pool[0] ?? ''));
  let headerBytes = 0;
  for (const [name, value] of Object.entries(sample.headers)) headerBytes += Buffer.byteLength(name) + Buffer.byteLength(value);
  return {
    valueBytes: sample.value.length,
    keyBytes: sample.key.length,
    headerBytes,
    headerCount: Object.keys(sample.headers).length,
    keys,
    event: (index) => eventFor(entityIds[index % keys] as string, pool[index % notesPool] as string),
  };
}

function invoice(id: string, notes: string): Invoice {
  return {
    id,
    object: 'invoice',
    organization_id: organizationId,
    customer_id: 'cus_0001',
    number: 'INV-2026-000123',
    status: 'sent',
    currency: 'EUR',
    subtotal_amount: 100_000,
    tax_amount: 21_000,
    total_amount: 121_000,
    due_date: '2026-12-31',
    sent_at: '2026-11-01T09:00:00.000Z',
    paid_at: null,
    created_at: '2026-10-30T09:00:00.000Z',
    updated_at: '2026-11-01T09:00:00.000Z',
    metadata: { notes },
  };
}

/**
 * The smallest padding (in characters) that brings a value of `sizeWith(padding)` bytes to
 * `targetBytes`. The padding's length prefix is a varint, so it steps from the first guess.
 */
export async function paddingLength(targetBytes: number, sizeWith: (padding: number) => Promise<number>): Promise<number> {
  let length = Math.max(0, targetBytes - (await sizeWith(0)));
  while (length > 0 && (await sizeWith(length)) > targetBytes) length--;
  while ((await sizeWith(length)) < targetBytes) length++;
  return length;
}

/** Random capital letters, as ProducerPerformance fills its records. */
export function randomLetters(length: number): string {
  const bytes = randomBytes(length);
  for (let i = 0; i < bytes.length; i++) bytes[i] = 65 + ((bytes[i] as number) % 26);
  return bytes.toString('latin1');
}
