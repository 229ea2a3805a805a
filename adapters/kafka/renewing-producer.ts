import type { Producer, ProducerRecord, RecordMetadata } from 'kafkajs';

/** The part of a kafkajs producer its users call. */
export interface RenewingProducer {
  connect(): Promise<void>;
  send(record: ProducerRecord): Promise<RecordMetadata[]>;
  disconnect(): Promise<void>;
}

/** One producer, with its connection and the sends still on it. */
interface Held {
  readonly producer: Producer;
  connected: Promise<void> | undefined;
  sending: number;
  retired: boolean;
}

/**
 * A kafkajs idempotent producer that starts over with a new producer id after a send (or its
 * connection) fails. After a request failed past its retries its sequence numbers may no longer
 * match the broker's: kafkajs, when a partition's leader moves during a send, rewinds the sequences
 * of the whole request and every later send then fails with OUT_OF_ORDER_SEQUENCE_NUMBER. The
 * failed send still rejects (its caller retries it); the next one goes through a fresh producer,
 * connected on first use. The old one is disconnected once the sends still on it have settled.
 */
export function renewingProducer(make: () => Producer): RenewingProducer {
  const fresh = (): Held => ({ producer: make(), connected: undefined, sending: 0, retired: false });
  let held = fresh();
  const disconnect = (old: Held): void => void old.producer.disconnect().catch(() => undefined);
  return {
    connect: () => (held.connected ??= held.producer.connect()),
    async send(record) {
      const current = held;
      current.sending += 1;
      try {
        await (current.connected ??= current.producer.connect());
        return await current.producer.send(record);
      } catch (error) {
        if (held === current) {
          held = fresh();
          current.retired = true;
        }
        throw error;
      } finally {
        current.sending -= 1;
        if (current.retired && current.sending === 0) disconnect(current);
      }
    },
    disconnect: () => held.producer.disconnect(),
  };
}
