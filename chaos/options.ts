import type { Scenario } from './scenario.js';

export interface ChaosOptions {
  /** The scenarios to run, in run order. */
  readonly scenarios: readonly Scenario[];
  /** Print the figures as JSON instead of the table. */
  readonly json: boolean;
  /** Leave the stack running and its data directory in place (to read the logs). */
  readonly keep: boolean;
  /** Compile dist/ first (the services run from it). */
  readonly build: boolean;
  readonly help: boolean;
}

/**
 * `[<scenario>…] [--json] [--keep] [--no-build]`; no scenario named means all of `all`. Those of
 * `namedOnly` run only when named.
 */
export function parseChaosArgs(
  args: readonly string[],
  all: readonly Scenario[],
  namedOnly: readonly Scenario[] = [],
): ChaosOptions | { error: string } {
  const names: string[] = [];
  const flags = { json: false, keep: false, build: true, help: false };
  for (const arg of args) {
    if (arg === '--json') flags.json = true;
    else if (arg === '--keep') flags.keep = true;
    else if (arg === '--no-build') flags.build = false;
    else if (arg === '--help' || arg === '-h') flags.help = true;
    else if (arg.startsWith('-')) return { error: `unknown option ${arg}` };
    else names.push(...arg.split(',').filter(Boolean));
  }
  const known = [...namedOnly, ...all];
  const unknown = names.filter((name) => !known.some((scenario) => scenario.name === name || scenario.id === name));
  if (unknown.length > 0) return { error: `unknown scenario ${unknown.map((name) => JSON.stringify(name)).join(', ')}` };
  const chosen = names.length === 0 ? all : known.filter((scenario) => names.includes(scenario.name) || names.includes(scenario.id));
  return { scenarios: chosen, ...flags };
}

export function usage(all: readonly Scenario[], namedOnly: readonly Scenario[] = []): string {
  return [
    'usage: npm run chaos -- [<scenario>…] [--json] [--keep] [--no-build]',
    '',
    'Starts a Kafka, schema registry and PostgreSQL of its own (free ports, a temporary directory),',
    'runs each scenario against real evp processes and prints one table of figures (also written to',
    'chaos/last-run.md and chaos/last-run.json). Exits 1 when a scenario broke a guarantee.',
    '',
    'scenarios (by name or number; all when none is named):',
    ...all.map((scenario) => `  ${scenario.id.padEnd(3)} ${scenario.name.padEnd(24)} ${scenario.title}`),
    '',
    'run only when named:',
    ...namedOnly.map((scenario) => `  ${scenario.id.padEnd(3)} ${scenario.name.padEnd(24)} ${scenario.title}`),
    '',
    '  --json      print the figures as JSON instead of the table',
    '  --keep      leave the stack running and its data directory (logs) in place',
    '  --no-build  use dist/ as it is instead of compiling it first',
    '',
  ].join('\n');
}
