import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { coerceError } from '../adapters/errors.js';
import { projectRoot } from '../adapters/project-root.js';
import { parseChaosArgs, usage } from './options.js';
import { startOwnStack, type OwnStack } from './own-stack.js';
import { renderMarkdown, renderTable, type RunReport } from './report.js';
import { startPipeline, type Pipeline } from './pipeline.js';
import { runScenario, type Scenario, type ScenarioResult } from './scenario.js';
import { namedOnly, scenarios } from './scenarios/index.js';
import { killAllChildren } from './services.js';

/**
 * `npm run chaos [-- <scenario>… --json --keep --no-build]`: starts a stack of its own (Kafka, the
 * registry, an embedded PostgreSQL on free ports, in a temporary directory), runs each scenario
 * against real `evp` processes, prints one table of figures (also written to chaos/last-run.md)
 * and exits 1 when a scenario broke a guarantee.
 */
const began = Date.now();
const note = (message: string) => process.stderr.write(`[chaos +${((Date.now() - began) / 1000).toFixed(0).padStart(4)} s] ${message}\n`);

const options = parseChaosArgs(process.argv.slice(2), scenarios, namedOnly);
if ('error' in options) {
  process.stderr.write(`${options.error}\n\n${usage(scenarios, namedOnly)}`);
  process.exit(2);
}
if (options.help) {
  process.stdout.write(usage(scenarios, namedOnly));
  process.exit(0);
}

const root = projectRoot();
if (options.build) {
  note('building dist/ (tsc -p tsconfig.build.json)');
  const built = spawnSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (built.status !== 0) {
    note('the build failed; fix it or run with --no-build against the dist/ there is');
    process.exit(2);
  }
}

const runId = `c${randomBytes(3).toString('hex')}`;
let stack: OwnStack | undefined;
let stopping = false;
const stopEverything = async () => {
  killAllChildren();
  await stack?.down(options.keep).catch((error: unknown) => note(`stopping the stack failed: ${coerceError(error).message}`));
};
const interrupted = (signal: NodeJS.Signals) => {
  if (stopping) return;
  stopping = true;
  note(`${signal}: stopping the services and the stack`);
  void stopEverything().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
};
process.on('SIGINT', interrupted);
process.on('SIGTERM', interrupted);

const results: ScenarioResult[] = [];
let pipeline: Pipeline | undefined;
try {
  stack = await startOwnStack();
  const ports = `Kafka :${stack.env['EVP_KAFKA_PORT']}, registry :${stack.env['EVP_REGISTRY_PORT']}, PostgreSQL :${stack.env['EVP_POSTGRES_PORT']}`;
  note(`own stack in ${stack.dataDir} (${ports})`);
  for (const scenario of options.scenarios) {
    if (pipeline === undefined || scenario.brokers !== stack.brokers) {
      await pipeline?.close(true);
      pipeline = undefined;
      try {
        if (scenario.brokers === stack.brokers) await stack.up();
        else await stack.useBrokers(scenario.brokers);
        note(`stack up with ${stack.brokers} Kafka node(s); setting up the pipeline (topics, schemas, services)`);
        pipeline = await startPipeline(stack, runId, `n${stack.brokers}`);
      } catch (error) {
        note(`the stack or pipeline for ${scenario.name} could not start: ${coerceError(error).message}`);
        results.push(unavailable(scenario, coerceError(error).message));
        continue;
      }
    }
    const result = await runScenario(scenario, stack, pipeline, note);
    note(`${scenario.name}: ${result.passed ? 'PASS' : `FAIL (${result.problems.join('; ')})`}`);
    results.push(result);
  }
} catch (error) {
  note(`the run stopped: ${coerceError(error).message}`);
  process.exitCode = 2;
} finally {
  await pipeline?.close(false).catch(() => undefined);
  if (!stopping) {
    stopping = true;
    note(options.keep ? `stopping the services; the stack stays up in ${stack?.dataDir ?? '?'}` : 'stopping the services and the stack');
    if (options.keep) killAllChildren();
    else await stopEverything();
  }
}

const report: RunReport = {
  runId,
  startedAt: new Date(began).toISOString(),
  durationMs: Date.now() - began,
  passed: results.length > 0 && results.every((result) => result.passed),
  scenarios: results,
};
fs.writeFileSync(path.join(root, 'chaos', 'last-run.md'), renderMarkdown(report));
fs.writeFileSync(path.join(root, 'chaos', 'last-run.json'), `${JSON.stringify(report, null, 2)}\n`);
const exitCode = typeof process.exitCode === 'number' && process.exitCode !== 0 ? process.exitCode : report.passed ? 0 : 1;
// Exit explicitly, once the table is out: nothing a scenario left open may hold the verdict back.
process.stdout.write(
  options.json ? `${JSON.stringify(report, null, 2)}\n` : `\n${renderTable(report)}\n\nDetails: chaos/last-run.md\n`,
  () => process.exit(exitCode),
);

function unavailable(scenario: Scenario, reason: string): ScenarioResult {
  return {
    id: scenario.id,
    name: scenario.name,
    title: scenario.title,
    injected: '-',
    figures: undefined,
    faults: [],
    problems: [`its stack or pipeline could not start: ${reason}`],
    notes: [],
    passed: false,
    durationMs: 0,
    latency: undefined,
  };
}
