import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The fixture's `@ts-expect-error` lines are checked by `npm run typecheck`; here the same file is
 * compiled with those markers removed, to see that each line fails for the reason it claims.
 */
const fixture = path.join(import.meta.dirname, 'fixtures', 'publish-types.ts');

function diagnosticsWithoutMarkers(): { line: number; text: string }[] {
  const source = fs.readFileSync(fixture, 'utf8').replaceAll('// @ts-expect-error', '// expected error:');
  const options: ts.CompilerOptions = {
    strict: true,
    exactOptionalPropertyTypes: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    noEmit: true,
    skipLibCheck: true,
    types: ['node'],
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  host.readFile = (file) => (path.resolve(file) === fixture ? source : readFile(file));
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (file, language, onError) =>
    path.resolve(file) === fixture ? ts.createSourceFile(file, source, language) : getSourceFile(file, language, onError);
  const program = ts.createProgram([fixture], options, host);
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file && path.resolve(d.file.fileName) === fixture)
    .map((d) => ({
      line: (d.file as ts.SourceFile).getLineAndCharacterOfPosition(d.start ?? 0).line + 1,
      text: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
    }));
}

describe('publisher types', () => {
  it('make a wrong field, an unknown type and wrong previous values compile errors', () => {
    const diagnostics = diagnosticsWithoutMarkers();
    const all = diagnostics.map((d) => d.text).join('\n---\n');
    expect(all).toMatch(/'string' is not assignable to type 'number'/);
    expect(all).toContain('"invoice.teleported"');
    expect(all).toContain("'colour' does not exist");
    expect(all).toMatch(/'\{ id: string; total_amount: number; \}' is not assignable/);
    expect(new Set(diagnostics.map((d) => d.line)).size).toBe(4);
  }, 60_000);
});
