import type avro from 'avsc';

/**
 * Checks a value against an Avro type and lists every problem, each with the path of the field
 * (`data.total_amount`, `data.lines[2].quantity`), not just the first. On top of Avro's own check
 * it reports fields the schema does not have: Avro would silently drop a misspelt optional field.
 */
export interface ValueProblem {
  readonly path: string;
  readonly message: string;
}

interface TypeShape {
  readonly typeName: string;
  readonly name?: string | undefined;
  readonly fields?: readonly { readonly name: string; readonly type: TypeShape }[];
  readonly types?: readonly TypeShape[];
  readonly itemsType?: TypeShape;
  readonly valuesType?: TypeShape;
  readonly symbols?: readonly string[];
}

export function validateValue(type: avro.Type, value: unknown, root = ''): ValueProblem[] {
  const problems: ValueProblem[] = [];
  // Avro's plain check first (every publish makes it): the one with a hook, which walks every path, only for a value that fails.
  if (!type.isValid(value)) {
    type.isValid(value, {
      errorHook: (path: string[], actual: unknown, expected: avro.Type) => {
        problems.push({ path: joinPath(root, path), message: describeMismatch(expected, actual) });
      },
    });
  }
  findUnknownFields(type, value, [], root, problems);
  return problems;
}

function joinPath(root: string, path: readonly (string | number)[]): string {
  let joined = root;
  for (const part of path) {
    const text = String(part);
    joined += /^\d+$/.test(text) ? `[${text}]` : joined === '' ? text : `.${text}`;
  }
  return joined === '' ? '(value)' : joined;
}

function describeType(type: TypeShape): string {
  if (type.typeName === 'enum') return `one of ${(type.symbols ?? []).map((s) => JSON.stringify(s)).join(', ')}`;
  if (type.typeName.startsWith('union')) return (type.types ?? []).map(describeType).join(' or ');
  if (type.typeName === 'record') return `an object (${type.name ?? 'record'})`;
  if (type.typeName === 'array') return `an array of ${describeType(type.itemsType as TypeShape)}`;
  if (type.typeName === 'map') return `an object whose values are ${describeType(type.valuesType as TypeShape)}`;
  if (type.typeName === 'int' || type.typeName === 'long') return `an integer (${type.typeName})`;
  if (type.typeName === 'float' || type.typeName === 'double') return 'a number';
  if (type.typeName === 'bytes') return 'a Buffer';
  return type.typeName;
}

function describeActual(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return `${typeof value} ${value}`;
  return typeof value;
}

function describeMismatch(expected: TypeShape, actual: unknown): string {
  if (actual === undefined) return `required field is missing (expected ${describeType(expected)})`;
  return `expected ${describeType(expected)}, got ${describeActual(actual)}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);
}

/** Each record type's field names, and whether a type can hold a record at all (only those are walked). */
const fieldNames = new WeakMap<TypeShape, ReadonlySet<string>>();
const holdsRecords = new WeakMap<TypeShape, boolean>();

function knownFields(type: TypeShape): ReadonlySet<string> {
  let names = fieldNames.get(type);
  if (names === undefined) {
    names = new Set((type.fields ?? []).map((field) => field.name));
    fieldNames.set(type, names);
  }
  return names;
}

function canHoldRecord(type: TypeShape): boolean {
  let holds = holdsRecords.get(type);
  if (holds === undefined) {
    // Set before the walk: a recursive type reaches itself, and is a record anyway.
    holdsRecords.set(type, true);
    holds =
      type.typeName === 'record' ||
      (type.types ?? []).some(canHoldRecord) ||
      (type.itemsType !== undefined && canHoldRecord(type.itemsType)) ||
      (type.valuesType !== undefined && canHoldRecord(type.valuesType));
    holdsRecords.set(type, holds);
  }
  return holds;
}

/** `path` is the parts below `root`, pushed and popped on the way down: joined only for a problem. */
function findUnknownFields(type: TypeShape, value: unknown, path: (string | number)[], root: string, problems: ValueProblem[]): void {
  if (!canHoldRecord(type)) return;
  if (type.typeName === 'record' && isPlainObject(value)) {
    const known = knownFields(type);
    for (const key in value) {
      if (Object.hasOwn(value, key) && !known.has(key))
        problems.push({ path: joinPath(root, [...path, key]), message: `unknown field (not in ${type.name ?? 'the schema'})` });
    }
    for (const field of type.fields ?? []) {
      path.push(field.name);
      findUnknownFields(field.type, value[field.name], path, root, problems);
      path.pop();
    }
  } else if (type.typeName.startsWith('union') && isPlainObject(value)) {
    const record = (type.types ?? []).find((member) => member.typeName === 'record');
    if (record) findUnknownFields(record, value, path, root, problems);
  } else if (type.typeName === 'array' && Array.isArray(value)) {
    value.forEach((item, index) => {
      path.push(index);
      findUnknownFields(type.itemsType as TypeShape, item, path, root, problems);
      path.pop();
    });
  } else if (type.typeName === 'map' && isPlainObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      path.push(key);
      findUnknownFields(type.valuesType as TypeShape, item, path, root, problems);
      path.pop();
    }
  }
}
