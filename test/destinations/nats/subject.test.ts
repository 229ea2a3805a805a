import { describe, expect, it } from 'vitest';
import { subjectProblem } from '../../../destinations/nats/subject.js';

describe('nats subjects', () => {
  it('accept dotted tokens and refuse empty tokens, whitespace and wildcards', () => {
    expect(subjectProblem('events.invoice.paid')).toBeUndefined();
    expect(subjectProblem('events-1_a.B')).toBeUndefined();
    expect(subjectProblem('')).toBe('is empty');
    expect(subjectProblem('events..paid')).toContain('an empty token');
    expect(subjectProblem('.events')).toContain('an empty token');
    expect(subjectProblem('events.in voice')).toContain('whitespace');
    expect(subjectProblem('events.\u0000')).toContain('control character');
    expect(subjectProblem('events.*')).toContain('wildcard');
    expect(subjectProblem('events.>')).toContain('wildcard');
  });
});
