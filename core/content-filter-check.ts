import type { FieldKind, SubscribedFields } from './event-fields.js';
import { describeTypes } from './field-template.js';
import type { FieldTest, FilterLiteral, FilterNode, FilterProblem } from './content-filter.js';

/**
 * A content filter checked against the subscribed event types' fields (core/event-fields.ts): a
 * filter that can never match a subscribed type's schema is refused when the destination is saved,
 * naming the test at fault, rather than silently dropping every event. A path that some subscribed
 * types have is fine (events of the others fail it, or pass `$exists: false`); one that none has,
 * or a test whose value is of a kind the field never holds (`$gt` on a boolean, a string compared
 * with a number field, null with a field that is never null), is not. Pure.
 */
export function checkContentFilter(filter: FilterNode, subscribed: SubscribedFields): FilterProblem[] {
  const problems: FilterProblem[] = [];
  const walk = (node: FilterNode): void => {
    if (node.kind === 'and' || node.kind === 'or') node.nodes.forEach(walk);
    else if (node.kind === 'not') walk(node.node);
    else if (node.kind === 'field') {
      const problem = fieldProblem(node.path, node.test, subscribed);
      if (problem !== undefined) problems.push({ field: node.param, message: problem });
    }
  };
  walk(filter);
  return problems;
}

function fieldProblem(path: string, test: FieldTest, subscribed: SubscribedFields): string | undefined {
  const found = subscribed.kindsOf(path);
  if (found.size === 0) return `${path} is a field that no subscribed event type (${describeTypes(subscribed.types)}) has`;
  const kinds = new Set<FieldKind>([...found.values()].flatMap((set) => [...set]));
  const never = (value: FilterLiteral) => `${path} holds ${[...kinds].join(' or ')}, never ${describe(value)}; this test can never match`;
  switch (test.op) {
    case '$exists':
      return undefined;
    case '$in':
    case '$nin': {
      const wrong = test.values.find((value) => !kinds.has(kindOf(value)));
      return wrong === undefined ? undefined : never(wrong);
    }
    default:
      // Equality and order alike: a value of a kind the field never holds is never equal to it, nor ordered with it.
      return kinds.has(kindOf(test.value)) ? undefined : never(test.value);
  }
}

function kindOf(value: FilterLiteral): FieldKind {
  if (value === null) return 'null';
  return typeof value as 'string' | 'number' | 'boolean';
}

function describe(value: FilterLiteral): string {
  return value === null ? 'null' : `a ${kindOf(value)} (${JSON.stringify(value)})`;
}
