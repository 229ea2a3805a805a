import type { Producer, ProducerRecord, RecordMetadata } from 'kafkajs';

/** The part of a kafkajs producer its users call. */
export interface RenewingProducer {
  connect(): Promise<void>;
  send(record: ProducerRecord): Promise<RecordMetadata[]>;
  disconnect(): Promise<void>;
}

/**
 * A kafkajs idempotent producer that starts over with a new producer id after a send fails. After
 * a request failed past its retries its sequence numbers may no longer match the broker's: kafkajs,
 * when a partition's leader moves during a send, rewinds the sequences of the whole request and
 * every later send then fails with OUT_OF_ORDER_SEQUENCE_NUMBER. The failed send still rejects
 * (its caller retries it); the next one goes through a fresh producer, connected on first use.
 */
export function renewingProducer(make: () => Producer): RenewingProducer {
  let current = make();
  let connected: Promise<void> | undefined;
  const connect = (): Promise<void> => (connected ??= current.connect());
  return {
    connect,
    async send(record) {
      const producer = current;
      await connect();
      try {
        return await producer.send(record);
      } catch (error) {
        if (current === producer) {
          current = make();
          connected = undefined;
          await producer.disconnect().catch(() => undefined);
        }
        throw error;
      }
    },
    disconnect: () => current.disconnect(),
  };
}
