import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

export type CopyValue = string | number | boolean | null;

/**
 * One row in COPY's text format: tab-separated, `\N` for null, and backslash, tab, newline and
 * carriage return escaped (https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.2).
 */
export function copyTextRow(values: readonly CopyValue[]): string {
  return `${values.map((value) => (value === null ? '\\N' : escapeCopyText(String(value)))).join('\t')}\n`;
}

function escapeCopyText(text: string): string {
  return /[\\\t\n\r]/.test(text) ? text.replace(/[\\\t\n\r]/g, (c) => copyEscapes[c] as string) : text;
}

const copyEscapes: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** Streams `rows` into `table (columns)` with COPY FROM STDIN on `client`, in chunks of about 64 KiB. */
export async function copyRows(
  client: pg.ClientBase,
  table: string,
  columns: readonly string[],
  rows: Iterable<readonly CopyValue[]>,
): Promise<void> {
  const stream = client.query(copyFrom(`copy ${table} (${columns.join(', ')}) from stdin`));
  await pipeline(Readable.from(chunks(rows)), stream);
}

function* chunks(rows: Iterable<readonly CopyValue[]>): Generator<string> {
  let buffer = '';
  for (const row of rows) {
    buffer += copyTextRow(row);
    if (buffer.length >= 65_536) {
      yield buffer;
      buffer = '';
    }
  }
  if (buffer.length > 0) yield buffer;
}
