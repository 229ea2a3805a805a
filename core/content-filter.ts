/**
 * A destination's content filter: a condition on the event object (its envelope and `data`) in a
 * small JSON match language, parsed and checked when the destination is saved and evaluated by the
 * streamer's fan-out, so an event that fails it gets no delivery at all. Pure.
 *
 * ```json
 * { "data.status": "paid", "data.total_amount": { "$gte": 1000 },
 *   "$or": [{ "data.customer.country": { "$in": ["FR", "DE"] } }, { "severity": "critical" }] }
 * ```
 *
 * The keys of an object are ANDed. A key is a dotted path into the event object, or one of
 * `$and`, `$or` (lists of filters) and `$not` (one filter). A path's value is a literal (string,
 * number, boolean, null: equality) or an object of operators, ANDed: `$eq`, `$ne`, `$in`, `$nin`,
 * `$exists`, `$gt`, `$gte`, `$lt`, `$lte`. A filter is tenant input: its depth, size and lists
 * are bounded, and it is walked without recursing past those bounds.
 */

/** A scalar a path is compared with. */
export type FilterLiteral = string | number | boolean | null;

export const comparisonOperators = ['$gt', '$gte', '$lt', '$lte'] as const;
export type ComparisonOperator = (typeof comparisonOperators)[number];

/** One test of the value at a path. */
export type FieldTest =
  | { readonly op: '$eq' | '$ne'; readonly value: FilterLiteral }
  | { readonly op: '$in' | '$nin'; readonly values: readonly FilterLiteral[] }
  | { readonly op: '$exists'; readonly exists: boolean }
  | { readonly op: ComparisonOperator; readonly value: string | number };

/** A parsed filter. `param` is where it stands in the request (`filter.data.status.$gt`), for 400s. */
export type FilterNode =
  | { readonly kind: 'and' | 'or'; readonly nodes: readonly FilterNode[] }
  | { readonly kind: 'not'; readonly node: FilterNode }
  | { readonly kind: 'field'; readonly path: string; readonly test: FieldTest; readonly param: string };

/** The bounds of a filter: past them it is refused (a 400), never walked. */
export const filterLimits = {
  /** Nesting of `$and`, `$or` and `$not`. */
  depth: 8,
  /** Conditions and logical operators together. */
  nodes: 100,
  /** Values of one `$in` or `$nin`. */
  listItems: 100,
  /** Characters of a string value or a path. */
  textLength: 500,
  /** Segments of a path. */
  pathSegments: 10,
} as const;

/** What is wrong with a filter, and where (`filter.$or.1.data.status.$in`). */
export interface FilterProblem {
  readonly field: string;
  readonly message: string;
}

const segment = /^[A-Za-z_][A-Za-z0-9_]*$/;
const fieldOperators = new Set(['$eq', '$ne', '$in', '$nin', '$exists', ...comparisonOperators]);

/** Thrown inside the parser, caught at its top: the first problem ends the parse. */
class Refused extends Error {
  constructor(readonly problem: FilterProblem) {
    super(problem.message);
  }
}

/** The filter, or its first problem. `root` names it in problems (`filter`). */
export function parseContentFilter(input: unknown, root = 'filter'): { readonly filter: FilterNode } | { readonly problem: FilterProblem } {
  let nodes = 0;
  const refuse = (field: string, message: string): never => {
    throw new Refused({ field, message });
  };
  const count = (param: string): void => {
    if (++nodes > filterLimits.nodes) refuse(param, `a filter holds at most ${filterLimits.nodes} conditions`);
  };
  const parseObject = (value: unknown, param: string, depth: number): FilterNode => {
    if (depth > filterLimits.depth) refuse(param, `a filter nests $and, $or and $not at most ${filterLimits.depth} deep`);
    if (!isPlainObject(value)) return refuse(param, 'a filter is an object of paths and $and, $or, $not');
    const entries = Object.entries(value);
    if (entries.length === 0) refuse(param, 'a filter needs at least one condition; use null for every event');
    const parsed: FilterNode[] = [];
    for (const [key, child] of entries) {
      const at = `${param}.${key}`;
      count(at);
      if (key === '$and' || key === '$or') {
        if (!Array.isArray(child) || child.length === 0) refuse(at, `${key} takes a non-empty list of filters`);
        const list = child as unknown[];
        if (list.length > filterLimits.nodes) refuse(at, `a filter holds at most ${filterLimits.nodes} conditions`);
        parsed.push({
          kind: key === '$and' ? 'and' : 'or',
          nodes: list.map((item, index) => parseObject(item, `${at}.${index}`, depth + 1)),
        });
      } else if (key === '$not') {
        parsed.push({ kind: 'not', node: parseObject(child, at, depth + 1) });
      } else if (key.startsWith('$')) {
        refuse(at, `${key} is not an operator here; use $and, $or, $not or a path such as data.status`);
      } else {
        parsed.push(...parsePath(key, child, at));
      }
    }
    return parsed.length === 1 ? (parsed[0] as FilterNode) : { kind: 'and', nodes: parsed };
  };
  const parsePath = (path: string, value: unknown, param: string): FilterNode[] => {
    const segments = path.split('.');
    if (path.length > filterLimits.textLength || segments.length > filterLimits.pathSegments)
      refuse(param, `a path has at most ${filterLimits.pathSegments} names and ${filterLimits.textLength} characters`);
    if (!segments.every((name) => segment.test(name)))
      refuse(param, `${JSON.stringify(path)} is not a field path; use names such as type, entity_id or data.customer.country`);
    if (!isPlainObject(value)) return [{ kind: 'field', path, test: { op: '$eq', value: literal(value, param) }, param }];
    const operators = Object.entries(value);
    if (operators.length === 0) refuse(param, 'an object of operators needs at least one ($eq, $in, $gt, …)');
    return operators.map(([op, operand]): FilterNode => {
      const at = `${param}.${op}`;
      count(at);
      return { kind: 'field', path, test: fieldTest(op, operand, at), param: at };
    });
  };
  const fieldTest = (op: string, operand: unknown, param: string): FieldTest => {
    if (!fieldOperators.has(op))
      return refuse(param, `${op} is not an operator; use $eq, $ne, $in, $nin, $exists, $gt, $gte, $lt or $lte (objects are not compared)`);
    if (op === '$eq' || op === '$ne') return { op, value: literal(operand, param) };
    if (op === '$in' || op === '$nin') {
      if (!Array.isArray(operand) || operand.length === 0) return refuse(param, `${op} takes a non-empty list of values`);
      if (operand.length > filterLimits.listItems) refuse(param, `${op} takes at most ${filterLimits.listItems} values`);
      return { op, values: operand.map((item: unknown, index) => literal(item, `${param}.${index}`)) };
    }
    if (op === '$exists') {
      if (typeof operand !== 'boolean') refuse(param, '$exists takes true or false');
      return { op, exists: operand as boolean };
    }
    const value = literal(operand, param);
    if (typeof value !== 'string' && typeof value !== 'number') return refuse(param, `${op} compares with a number or a string`);
    return { op: op as ComparisonOperator, value };
  };
  const literal = (value: unknown, param: string): FilterLiteral => {
    if (value === null || typeof value === 'boolean') return value;
    if (typeof value === 'number') return Number.isFinite(value) ? value : refuse(param, 'a number must be finite');
    if (typeof value === 'string')
      return value.length <= filterLimits.textLength ? value : refuse(param, `a value has at most ${filterLimits.textLength} characters`);
    return refuse(param, 'a value is a string, a number, true, false or null (objects and lists are not compared; use $in for a list)');
  };
  try {
    return { filter: parseObject(input, root, 0) };
  } catch (error) {
    if (error instanceof Refused) return { problem: error.problem };
    throw error;
  }
}

/**
 * A stored filter, parsed again (it was checked when saved); null when there is none. One the
 * parser now refuses (saved under older rules) filters nothing: an event is sent rather than lost.
 */
export function storedContentFilter(stored: unknown): FilterNode | null {
  if (stored === null || stored === undefined) return null;
  const parsed = parseContentFilter(stored);
  return 'filter' in parsed ? parsed.filter : null;
}

/** Whether an event object passes the filter. A missing path or a value of another kind fails a test, except $ne, $nin and $exists: false. */
export function contentFilterMatches(filter: FilterNode, event: unknown): boolean {
  switch (filter.kind) {
    case 'and':
      return filter.nodes.every((node) => contentFilterMatches(node, event));
    case 'or':
      return filter.nodes.some((node) => contentFilterMatches(node, event));
    case 'not':
      return !contentFilterMatches(filter.node, event);
    case 'field':
      return testValue(filter.test, valueAt(event, filter.path));
  }
}

/** The value at a dotted path; undefined when a step is missing or is not an object (lists are not entered). */
export function valueAt(event: unknown, path: string): unknown {
  let value = event;
  for (const name of path.split('.')) {
    if (!isPlainObject(value) || !Object.hasOwn(value, name)) return undefined;
    value = value[name];
  }
  return value;
}

function testValue(test: FieldTest, value: unknown): boolean {
  switch (test.op) {
    case '$eq':
      return value === test.value;
    case '$ne':
      return value !== test.value;
    case '$in':
      return test.values.includes(value as FilterLiteral);
    case '$nin':
      return !test.values.includes(value as FilterLiteral);
    case '$exists':
      return (value !== undefined) === test.exists;
    default:
      // Numbers with numbers, strings with strings (code-unit order: ISO times sort as times).
      if (typeof value !== typeof test.value) return false;
      return compare(test.op, value as string | number, test.value);
  }
}

function compare(op: ComparisonOperator, left: string | number, right: string | number): boolean {
  switch (op) {
    case '$gt':
      return left > right;
    case '$gte':
      return left >= right;
    case '$lt':
      return left < right;
    case '$lte':
      return left <= right;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
