import { describe, expect, it } from 'vitest';
import { matchAnswers, type PartitionAnswer } from '../../adapters/kafka/answers.js';
import { describeProduceFailure } from '../../adapters/kafka/producer.js';

const record = (topic: string, partition: number, name: string) => ({ topic, partition, name });
const answer = (topic: string, partition: number, baseOffset: string | bigint | undefined): PartitionAnswer => ({
  topic,
  partition,
  baseOffset,
});

describe('matching records to a produce answer', () => {
  it('numbers the records of each partition from its base offset, in the order sent', () => {
    const records = [record('t', 0, 'a'), record('t', 1, 'b'), record('t', 0, 'c'), record('u', 0, 'd')];
    const { offsets, unanswered } = matchAnswers(records, [answer('t', 0, '41'), answer('t', 1, '7'), answer('u', 0, '0')]);
    expect(records.map((r) => offsets.get(r))).toEqual(['41', '7', '42', '0']);
    expect(unanswered).toEqual([]);
  });

  it('leaves the records of a partition the answer left out unacknowledged, never at offset -1', () => {
    // What kafkajs's sendBatch resolves with when a partition's leader moved to a broker that had already answered.
    const records = [record('t', 0, 'a'), record('t', 1, 'b'), record('t', 1, 'c'), record('t', 2, 'd')];
    const { offsets, unanswered } = matchAnswers(records, [answer('t', 0, '10'), answer('t', 2, '-1'), answer('t', 1, undefined)]);
    expect(unanswered.map((r) => r.name)).toEqual(['b', 'c', 'd']);
    expect([...offsets.values()]).toEqual(['10']);
  });
});

describe('a produce failure in words', () => {
  it("names the broker's error code and message from under @platformatic/kafka's wrappers", () => {
    const leaf = Object.assign(new Error('The request included a message larger than the max message size the server will accept.'), {
      apiId: 'MESSAGE_TOO_LARGE',
    });
    const wrapped = Object.assign(new Error('Producing messages failed.'), {
      errors: [Object.assign(new Error('Received response with error while executing API Produce(v11)'), { errors: [leaf] })],
    });
    expect(describeProduceFailure(wrapped)).toBe(
      'MESSAGE_TOO_LARGE: The request included a message larger than the max message size the server will accept.',
    );
    expect(describeProduceFailure(new Error('connect ECONNREFUSED 127.0.0.1:1'))).toBe('connect ECONNREFUSED 127.0.0.1:1');
  });
});
