import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The layering: what each top-level folder may import besides itself, lowest layer first. `types`:
 * folders it may take only types from; `entries`: folders it may reach only through their
 * index.ts. bench/, chaos/ and test/ may import anything. A backwards import fails `npm run lint`:
 * move the code down a layer, or have the caller pass it in.
 */
const services = ['core', 'adapters', 'schemas', 'store', 'destinations', 'producers', 'consumers', 'stack'];
const layers = {
  core: { may: [] },
  adapters: { may: ['core'] },
  // The one way into a Kafka client (clientModules below).
  'adapters/kafka': { may: ['core'] },
  schemas: { may: ['core', 'adapters'] },
  // The stored type of a destination is one the registry knows: its name, never its code.
  store: { may: ['core', 'adapters'], types: ['destinations'] },
  destinations: { may: ['core', 'adapters', 'schemas', 'store'] },
  producers: { may: ['core', 'adapters', 'schemas'] },
  // The demo is an application of the publisher: it also keeps its destinations in the store.
  'producers/demo': { may: ['core', 'adapters', 'schemas', 'store', 'producers'] },
  api: { may: ['core', 'adapters', 'schemas', 'store', 'destinations'] },
  consumers: { may: ['core', 'adapters', 'schemas', 'store', 'destinations'] },
  stack: { may: ['core', 'adapters', 'schemas', 'store', 'producers'] },
  cli: { may: services, entries: ['api'] },
  // A script that runs test files against a stack of its own takes the test harness's helpers.
  scripts: { may: [...services, 'cli', 'test'], entries: ['api'] },
  // A browser bundle: the API's response types, never its code.
  console: { may: ['destinations'], types: ['api'] },
};
const topLevel = [...services, 'api', 'cli', 'console', 'bench', 'chaos', 'scripts', 'test'];
/** What core/ may not use: it is pure (no clients, no logging, no files or processes). */
const impureModules = '^(kafkajs|pg|pino|node:child_process|node:fs)(/|$)';

/** The Kafka clients: only adapters/kafka/ imports them, so which client does what is decided in one place. */
const clientModules = '^(kafkajs|@platformatic/kafka)(/|$)';

/** A source file `depth` folders below the root reaches a top-level folder as `../` × depth + name. */
const topLevelImport = (depth, names, rest = '(/|$)') => `^(\\.\\./){${depth}}(${names.join('|')})${rest}`;
const listed = (names) => names.map((name) => `${name}/`).join(', ');

function boundaryRules(folder, { may, types = [], entries = [] }) {
  const base = folder.split('/').length;
  const nested = Object.keys(layers).filter((other) => other.startsWith(`${folder}/`));
  const forbidden = topLevel.filter((name) => name !== folder.split('/')[0] && ![...may, ...types, ...entries].includes(name));
  const message =
    `${folder}/ may import ${may.length === 0 ? 'nothing of the project' : listed(may)}` +
    (types.length === 0 ? '' : `, and types from ${listed(types)}`) +
    (entries.length === 0 ? '' : `, and ${listed(entries)} through its index.ts only`) +
    ' (the layering in eslint.config.js)';
  return Array.from({ length: 6 }, (_, below) => {
    const depth = base + below;
    const patterns = [{ regex: topLevelImport(depth, forbidden), message }];
    if (types.length > 0) patterns.push({ regex: topLevelImport(depth, types), message, allowTypeImports: true });
    if (entries.length > 0) patterns.push({ regex: topLevelImport(depth, entries, '(?!/index\\.js$)(/|$)'), message });
    if (folder === 'core') patterns.push({ regex: impureModules, message: 'core/ is pure: no clients, logging, files or processes' });
    if (folder !== 'adapters/kafka')
      patterns.push({ regex: clientModules, message: 'Kafka clients are reached through adapters/kafka/ only (its index.ts)' });
    return {
      files: [`${folder}/${'*/'.repeat(below)}*.{ts,tsx}`],
      ignores: nested.map((other) => `${other}/**`),
      rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns }] },
    };
  });
}

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'packages/*/dist/', 'packages/*/schemas/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      'no-restricted-imports': 'off',
    },
  },
  ...Object.entries(layers).flatMap(([folder, allowed]) => boundaryRules(folder, allowed)),
  {
    // core/ is pure: no environment either.
    files: ['core/**/*.ts'],
    rules: { 'no-restricted-properties': ['error', { object: 'process', property: 'env' }] },
  },
  {
    // vitest's asymmetric matchers (expect.stringContaining, …) are typed `any`.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-unsafe-assignment': 'off' },
  },
  {
    files: ['eslint.config.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
