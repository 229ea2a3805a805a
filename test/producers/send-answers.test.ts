import type { RecordMetadata } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { matchAnswers } from '../../producers/send-answers.js';

const record = (topic: string, partition: number, name: string) => ({ topic, partition, name });
const answer = (topicName: string, partition: number, baseOffset: string, errorCode = 0): RecordMetadata => ({
  topicName,
  partition,
  errorCode,
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
    const { offsets, unanswered } = matchAnswers(records, [answer('t', 0, '10'), answer('t', 2, '-1'), answer('t', 3, '5', 6)]);
    expect(unanswered.map((r) => r.name)).toEqual(['b', 'c', 'd']);
    expect([...offsets.values()]).toEqual(['10']);
  });
});
