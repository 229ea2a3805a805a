/**
 * What NATS accepts as a subject to publish to: dot-separated tokens, none empty, no whitespace
 * or control character, and no wildcard (`*` and `>` name many subjects, and a message goes to
 * one). Checked on the template's fixed text when a destination is saved, and on each rendered
 * subject before it is sent (a field's value may bring a space or a dot). Pure.
 */
export function subjectProblem(subject: string): string | undefined {
  if (subject === '') return 'is empty';
  if (/[\s\p{Cc}]/u.test(subject)) return 'contains whitespace or a control character';
  const tokens = subject.split('.');
  if (tokens.some((token) => token === '')) return 'has an empty token (a leading, trailing or doubled dot)';
  if (tokens.some((token) => token === '*' || token === '>')) return 'contains a wildcard token (* or >); a message goes to one subject';
  return undefined;
}
