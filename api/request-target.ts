/**
 * The one spelling of a request target the API routes. The router decodes a path before it
 * matches it, so `/api/v%31/events`, `/api/v1/./events` or `http://x/api/v1/events` could reach
 * a route under a name that a check on the raw text would not recognise. Authentication belongs
 * to the matched route (app.ts), so no spelling gets past it; on top of that, every target is
 * brought to normal form before routing where RFC 3986 says two spellings are the same, and
 * refused where it does not.
 */

/** Percent-encoded unreserved characters (RFC 3986 §2.3: ALPHA, DIGIT, -, ., _, ~), which mean the same decoded (§6.2.2.2). */
const encodedUnreserved = /%(3[0-9]|[46][1-9a-f]|[57][0-9a]|2[de]|5f|7e)/gi;

/**
 * The target with its path's percent-encoded unreserved characters decoded (`/api/v%31/a%7Eb` is
 * `/api/v1/a~b`, which clients such as Java's URLEncoder send); the query is left to the query
 * parser. Anything else is returned as it is, for `nonCanonicalTarget` to judge.
 */
export function normalizeTarget(target: string): string {
  if (!target.startsWith('/')) return target;
  const end = target.search(/[?#]/);
  const path = end === -1 ? target : target.slice(0, end);
  const normal = path.replace(encodedUnreserved, (_escape, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
  return end === -1 ? normal : normal + target.slice(end);
}

/** Why a (normalised) `target` is not one the API routes, in words for the client; undefined when it is. */
export function nonCanonicalTarget(target: string): string | undefined {
  if (!target.startsWith('/')) return 'the request target must be a path such as /api/v1/events, not an absolute URL';
  const end = target.search(/[?#]/);
  const path = end === -1 ? target : target.slice(0, end);
  if (path.includes('\\')) return 'the path must not contain a backslash';
  const segments = path.split('/').slice(1);
  if (segments.some((segment, index) => segment === '' && index < segments.length - 1)) return 'the path must not contain "//"';
  if (segments.some((segment) => segment === '.' || segment === '..')) return 'the path must not contain "." or ".." segments';
  return undefined;
}
