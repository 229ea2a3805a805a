import path from 'node:path';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../adapters/project-root.js';

const root = projectRoot();
// Type information is not needed for import rules; without it a file that exists only here lints.
const eslint = new ESLint({ cwd: root, overrideConfig: tseslint.configs.disableTypeChecked });

/** The import-rule messages ESLint gives `code` as if it were the file at `file` (relative to the root). */
async function importProblems(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return (result?.messages ?? []).filter((message) => message.ruleId?.endsWith('no-restricted-imports')).map((message) => message.message);
}

describe('folder boundaries', () => {
  it('refuse an import from a higher layer', async () => {
    const problems = await importProblems('store/boundary-check.ts', "export { listEvents } from '../api/routes/events.js';\n");
    expect(problems).toEqual([
      expect.stringContaining('store/ may import core/, adapters/, and types from destinations/ (the layering in eslint.config.js)'),
    ]);
  });

  it('refuse it from a file deeper in the folder too', async () => {
    const code = "import { toEventObject } from '../../api/event-schemas.js';\nexport const object = toEventObject;\n";
    expect(await importProblems('consumers/streamer/boundary-check.ts', code)).toHaveLength(1);
  });

  it('allow an import from a lower layer and from the folder itself', async () => {
    const code = "export { eventIdTime } from '../core/ids.js';\nexport { createParams } from './query.js';\n";
    expect(await importProblems('store/boundary-check.ts', code)).toEqual([]);
    expect(await importProblems('api/routes/boundary-check.ts', "export { listEvents } from '../../store/list-events.js';\n")).toEqual([]);
  });

  it('keep core free of the project and of clients', async () => {
    expect(await importProblems('core/boundary-check.ts', "export { createPool } from '../adapters/database.js';\n")).toHaveLength(1);
    expect(await importProblems('core/boundary-check.ts', "export { default } from 'pg';\n")).toEqual([
      expect.stringContaining('core/ is pure: no clients, logging, files or processes'),
    ]);
  });

  it("let the console take the API's types but not its code", async () => {
    const file = 'console/src/boundary-check.ts';
    expect(await importProblems(file, "export type { EventObject } from '../../api/schemas';\n")).toEqual([]);
    expect(await importProblems(file, "export { Event } from '../../api/schemas';\n")).toHaveLength(1);
  });

  it('let the command line import any folder', async () => {
    expect(await importProblems('cli/boundary-check.ts', "export { startApi } from '../api/index.js';\n")).toEqual([]);
  });
});
