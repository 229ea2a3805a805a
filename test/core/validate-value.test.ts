import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { validateValue } from '../../core/validate-value.js';

const type = avro.Type.forSchema({
  type: 'record',
  name: 'Deal',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'amount', type: 'long' },
    { name: 'stage', type: { type: 'enum', name: 'Stage', symbols: ['lead', 'won'] } },
    { name: 'note', type: ['null', 'string'], default: null },
    { name: 'lines', type: { type: 'array', items: { type: 'record', name: 'Line', fields: [{ name: 'qty', type: 'int' }] } } },
  ],
});

describe('validateValue', () => {
  it('accepts a valid value, optional fields left out', () => {
    expect(validateValue(type, { id: 'd', amount: 1, stage: 'won', lines: [] })).toEqual([]);
  });

  it('names every bad path: missing, wrong type, bad symbol, nested, unknown', () => {
    const problems = validateValue(
      type,
      { amount: '5', stage: 'lost', lines: [{ qty: 1 }, { qty: 'x', colour: 1 }], notes: 'typo' },
      'data',
    );
    expect(problems).toEqual([
      { path: 'data.id', message: 'required field is missing (expected string)' },
      { path: 'data.amount', message: 'expected an integer (long), got the string "5"' },
      { path: 'data.stage', message: 'expected one of "lead", "won", got the string "lost"' },
      { path: 'data.lines[1].qty', message: 'expected an integer (int), got the string "x"' },
      { path: 'data.notes', message: 'unknown field (not in Deal)' },
      { path: 'data.lines[1].colour', message: 'unknown field (not in Line)' },
    ]);
  });
});
