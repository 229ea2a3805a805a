/**
 * Event types are `<entity>.<action>`, where the entity may itself contain dots
 * (`crm.deal.stage_updated`: entity `crm.deal`, action `stage_updated`). Subscriptions and
 * filters use patterns: an exact type, `*` (everything), or a prefix ending in `.*`
 * (`invoice.*`, `crm.*`).
 */
export function matchesEventType(pattern: string, type: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('.*')) return type.startsWith(pattern.slice(0, -1));
  return pattern === type;
}

export function matchesAny(patterns: readonly string[], type: string): boolean {
  return patterns.some((pattern) => matchesEventType(pattern, type));
}

const patternSyntax = /^(\*|[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*(\.\*)?)$/;

/** True for `*`, `a.b.c` and `a.b.*`: lowercase words joined by dots. */
export function isValidPattern(pattern: string): boolean {
  return patternSyntax.test(pattern);
}

/**
 * The catalogue types that `patterns` select, in catalogue order, or the first pattern that is
 * malformed or selects nothing (so a typo is an error, not an empty result).
 */
export function expandPatterns(
  patterns: readonly string[],
  types: readonly string[],
): { readonly types: readonly string[] } | { readonly unknown: string } {
  for (const pattern of patterns) {
    if (!isValidPattern(pattern) || !types.some((type) => matchesEventType(pattern, type))) return { unknown: pattern };
  }
  return { types: types.filter((type) => matchesAny(patterns, type)) };
}
