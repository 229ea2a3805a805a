import os from 'node:os';

/** A figure as the tables print it: en-US thousands separators, exactly `digits` decimals, `-` when there is none. */
export function figure(value: number | null | undefined, digits = 0): string {
  return value === null || value === undefined
    ? '-'
    : value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** A share (0–1) as a whole percentage, `-` when there is none. */
export function percent(value: number | null | undefined): string {
  return value === null || value === undefined ? '-' : `${Math.round(value * 100)}%`;
}

/** Milliseconds as ProducerPerformance prints them (whole) or to one decimal. */
export function formatMs(ms: number): string {
  return Number.isInteger(ms) ? String(ms) : ms.toFixed(1);
}

/**
 * A table's lines: the header, a `-+-` rule, then the rows; columns padded to their widest cell
 * and separated by ` | `. Text columns (`left`; by default the first) are padded on the right,
 * figures on the left. A line whose last column is text loses its trailing blanks.
 */
export function tableLines(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  left: (column: number, columns: number) => boolean = (column) => column === 0,
): string[] {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) => {
    const text = cells
      .map((cell, column) => (left(column, cells.length) ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0)))
      .join(' | ');
    return left(cells.length - 1, cells.length) ? text.trimEnd() : text;
  };
  return [line(header), widths.map((width) => '-'.repeat(width)).join('-+-'), ...rows.map(line)];
}

/** A scenario's output: its table, a blank line, then one note a line. */
export function renderTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  notes: readonly string[],
  left?: (column: number, columns: number) => boolean,
): string {
  return [...tableLines(header, rows, left), '', ...notes].join('\n');
}

/** The machine a scenario ran on, as its notes end. */
export function machineNote(): string {
  const cpus = os.cpus();
  return `machine: ${cpus.length} × ${cpus[0]?.model ?? 'unknown CPU'}, ${os.platform()} ${os.release()}, Node ${process.version}; Kafka, the registry and PostgreSQL on the same machine`;
}
