import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { apiErrors, errorCatalogue, pipelineErrors } from '../../core/error-catalogue.js';
import { SecretUnreadable } from '../../core/secret-box.js';

/** The rows of the table under a `## heading` of docs/errors.md, each as its trimmed cells. */
function tableUnder(markdown: string, heading: string): string[][] {
  const section = markdown.split(/^## /m).find((part) => part.startsWith(`${heading}\n`));
  if (section === undefined) throw new Error(`docs/errors.md has no "## ${heading}" section`);
  return section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) =>
      line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim()),
    );
}

/** How the docs and a catalogue table disagree, one line per code, naming it. */
function compare(rows: string[][], catalogue: Record<string, object>, describeRow: (code: string) => string[]): string[] {
  const problems: string[] = [];
  const documented = new Map<string, string[]>();
  for (const [cell = '', ...rest] of rows) {
    const code = /^`([^`]+)`$/.exec(cell)?.[1] ?? cell;
    if (documented.has(code)) problems.push(`${code}: documented twice in docs/errors.md`);
    documented.set(code, rest);
  }
  for (const code of Object.keys(catalogue)) {
    const row = documented.get(code);
    if (row === undefined) problems.push(`${code}: in core/error-catalogue.ts but not in docs/errors.md`);
    else if (row.slice(0, -1).join(' | ') !== describeRow(code).join(' | ')) {
      problems.push(`${code}: docs/errors.md says ${row.slice(0, -1).join(' | ')}, the catalogue ${describeRow(code).join(' | ')}`);
    }
  }
  for (const code of documented.keys()) {
    if (!(code in catalogue)) problems.push(`${code}: in docs/errors.md but not in core/error-catalogue.ts`);
  }
  return problems;
}

const yesNo = (retriable: boolean) => (retriable ? 'yes' : 'no');

describe('error catalogue', () => {
  const docs = fs.readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');

  it('docs/errors.md lists every pipeline code of the catalogue, and no other, with its retry flag', () => {
    const rows = tableUnder(docs, 'Pipeline error codes');
    // The class column says which class raises it, which the catalogue does not hold.
    const problems = compare(
      rows.map(([code = '', , ...rest]) => [code, ...rest]),
      pipelineErrors,
      (code) => [yesNo(pipelineErrors[code as keyof typeof pipelineErrors].retriable)],
    );
    expect(problems).toEqual([]);
  });

  it('docs/errors.md lists every API code of the catalogue, and no other, with its status, type and retry flag', () => {
    const problems = compare(tableUnder(docs, 'API error codes'), apiErrors, (code) => {
      const entry = apiErrors[code as keyof typeof apiErrors];
      return [entry.status === null ? '—' : String(entry.status), `\`${entry.type}\``, yesNo(entry.retriable)];
    });
    expect(problems).toEqual([]);
  });

  it('gives every code a meaning of one line', () => {
    const entries = [...Object.entries(errorCatalogue.pipeline), ...Object.entries(errorCatalogue.api)];
    const problems = entries.filter(([, { meaning }]) => meaning.trim() === '' || meaning.includes('\n')).map(([code]) => code);
    expect(problems).toEqual([]);
  });

  it('holds the code of an unreadable signing secret', () => {
    expect(Object.keys(pipelineErrors)).toContain(new SecretUnreadable('sealed by another key').code);
  });

  it('spells pipeline codes EVP_UPPER_CASE and API codes lower_snake_case', () => {
    expect(Object.keys(pipelineErrors).filter((code) => !/^EVP_[A-Z]+(_[A-Z]+)*$/.test(code))).toEqual([]);
    expect(Object.keys(apiErrors).filter((code) => !/^[a-z]+(_[a-z]+)*$/.test(code))).toEqual([]);
  });
});
