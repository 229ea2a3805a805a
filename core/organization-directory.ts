import { createHash } from 'node:crypto';

/** Longest name kept as is; NAME_MAX is 255 bytes on common file systems. */
const maxNameLength = 200;

/**
 * The name of an organization's own directory under DESTINATION_FILE_ROOT, where its file
 * destinations write. Letters, digits, `_`, `-` and `.` stay as they are (`org_acme` is
 * `org_acme`); any other byte of the id's UTF-8, `%` included, becomes `%XX`, and so does a
 * leading `.`, so a name is never `.`, `..`, hidden, or holding a `/`. Distinct ids give distinct
 * names: the encoding is reversible, and a name too long to keep is cut and ends in `~` and a hash
 * of the whole id, a form no shorter name takes.
 */
export function organizationDirectoryName(organizationId: string): string {
  let name = '';
  for (const byte of new TextEncoder().encode(organizationId)) {
    const char = String.fromCharCode(byte);
    const kept = /[A-Za-z0-9_-]/.test(char) || (char === '.' && name !== '');
    name += kept ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  // An empty id still gets a directory of its own, never the root itself.
  if (name === '') return '%';
  if (name.length <= maxNameLength) return name;
  const hash = createHash('sha256').update(organizationId).digest('hex').slice(0, 32);
  return `${name.slice(0, maxNameLength - 33)}~${hash}`;
}
