import { describe, expect, it } from 'vitest';
import { deadLetterTopic, entityTopic, topicEntity, valueSubject } from '../../core/topics.js';

describe('topic names', () => {
  it('names one topic per entity and its value subject', () => {
    expect(entityTopic('events', 'crm.deal')).toBe('events.crm.deal');
    expect(valueSubject('events.crm.deal')).toBe('events.crm.deal-value');
    expect(topicEntity('events', 'events.crm.deal')).toBe('crm.deal');
    expect(topicEntity('events', 'other.invoice')).toBeUndefined();
    expect(topicEntity('events', deadLetterTopic('events'))).toBeUndefined();
  });
});
