import { describe, expect, it } from 'vitest';
import { bodyOf, emptyDraft, fieldForParam, fieldsOf } from '../../console/src/destination-form';
import { destinationKinds, targetOf } from '../../destinations/index';
import { memory } from '../destinations/memory/kind';

const kinds = [...destinationKinds, memory] as const;

describe('console destination form of a registered type', () => {
  it('a type registered only in a test gets its form fields, their errors and its list column', () => {
    expect(fieldsOf('memory', kinds).map((field) => field.id)).toEqual(['dst-bucket', 'dst-capacity']);
    expect(fieldsOf('memory')).toEqual([]);
    const draft = { ...emptyDraft, type: 'memory', eventTypes: '*', settings: { 'memory.bucket': ' b1 ', 'memory.capacity': '12' } };
    expect(bodyOf(draft, true, kinds)).toMatchObject({ type: 'memory', memory: { bucket: 'b1', capacity: 12 } });
    expect(bodyOf({ ...draft, settings: { 'memory.capacity': 'many' } }, true, kinds)).toEqual({
      problem: 'Capacity must be a whole number, not "many".',
      param: 'memory.capacity',
    });
    expect(fieldForParam('memory.bucket', kinds)).toBe('dst-bucket');
    expect(fieldForParam('memory.bucket')).toBeUndefined();
    expect(targetOf({ type: 'memory', memory: { bucket: 'b1' } }, kinds)).toEqual({ name: 'b1' });
  });
});
