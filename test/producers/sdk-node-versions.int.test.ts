import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../adapters/project-root.js';
import { useTestContext } from '../harness/index.js';
import { prepareEntities } from '../harness/materializer.js';

/**
 * The publisher SDK's `engines` range is a promise to other services: it is kept by publishing
 * with the built package under each Node the machine has in that range: the project's own
 * (process.execPath) and the system's (`/usr/bin/node`, the oldest this range admits on these
 * machines). A Node the range admits that fails to publish fails the test.
 */
const ctx = useTestContext('sdk_node_versions');
const run = promisify(execFile);
const sdkDir = path.join(projectRoot(), 'packages', 'events-sdk');
const engines = (JSON.parse(fs.readFileSync(path.join(sdkDir, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;

/** `>=major.minor` as numbers: the one form of range the SDK states. */
function lowest(range: string): [number, number] {
  const match = /^>=(\d+)\.(\d+)$/.exec(range);
  if (!match) throw new Error(`the SDK's engines.node is ${range}; this test reads only ">=major.minor"`);
  return [Number(match[1]), Number(match[2])];
}

function admitted(version: string): boolean {
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number);
  const [least, leastMinor] = lowest(engines);
  return major > least || (major === least && minor >= leastMinor);
}

const script = `
const { createPublisher, loadPublisherConfig } = await import(process.argv[1]);
const publisher = createPublisher(loadPublisherConfig(), { service: 'node-versions' });
const result = await publisher.publishUntyped('invoice.created', {
  organization_id: 'org_versions',
  data: JSON.parse(process.argv[2]),
});
await publisher.close();
console.log(JSON.stringify({ node: process.version, topic: result.topic, offset: result.offset }));
`;

describe('the events-sdk package on each Node it supports', () => {
  it('runs the suite itself on the Node the project states (npm ci installs it)', () => {
    const projectEngines = (JSON.parse(fs.readFileSync(path.join(projectRoot(), 'package.json'), 'utf8')) as { engines: { node: string } })
      .engines.node;
    const least = Number(/^>=(\d+)/.exec(projectEngines)?.[1]);
    expect(
      Number(process.versions.node.split('.')[0]),
      `${process.execPath} is ${process.version}; package.json wants ${projectEngines}`,
    ).toBeGreaterThanOrEqual(least);
  });

  it('publishes an event under the project Node and the system Node, each admitted by its engines range', async () => {
    await prepareEntities(ctx, ['invoice'], 1);
    const candidates = [process.execPath, '/usr/bin/node'].filter((binary) => fs.existsSync(binary));
    const versions = await Promise.all(candidates.map(async (binary) => (await run(binary, ['--version'])).stdout.trim()));
    const tested = candidates.filter((_, index) => admitted(versions[index] ?? ''));
    expect(tested.length, `Nodes admitted by ${engines}: ${versions.join(', ')}`).toBeGreaterThan(0);
    const { sampleData } = await import('../harness/samples.js');
    const results: { node: string; topic: string; offset: string }[] = [];
    for (const binary of tested) {
      const { stdout } = await run(
        binary,
        [
          '--input-type=module',
          '-e',
          script,
          path.join(sdkDir, 'dist', 'producers', 'index.js'),
          JSON.stringify(sampleData('invoice', 'inv_v')),
        ],
        { env: { ...process.env, ...ctx.env, LOG_LEVEL: 'error' }, timeout: 60_000 },
      );
      results.push(JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { node: string; topic: string; offset: string });
    }
    expect(results.map((result) => result.topic)).toEqual(tested.map(() => `${ctx.topicPrefix}.invoice`));
    expect(new Set(results.map((result) => result.offset)).size).toBe(tested.length);
    expect(results.map((result) => result.node)).toEqual(versions.filter((version) => admitted(version)));
  });
});
