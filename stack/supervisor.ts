import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import readline from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { prettyFactory } from 'pino-pretty';
import type { Logger } from '../adapters/logger.js';

/** One service `evp start` runs as a child process: `evp <args…>`, ready when `health` answers 200. */
export interface ServiceSpec {
  readonly name: string;
  readonly args: readonly string[];
  /** `/healthz` of the service; none: ready once spawned. */
  readonly health?: string | undefined;
}

export interface Supervisor {
  /** Resolves once every service's health answers 200 (rejects after `timeoutMs`). */
  ready(timeoutMs: number): Promise<void>;
  /** Adds a service after the first ones are ready (the demo waits for the API). */
  add(spec: ServiceSpec): void;
  /** SIGTERM to every child, SIGKILL to those still running after `graceMs`; resolves when all have exited. */
  stop(graceMs: number): Promise<void>;
}

const colours = [36, 35, 33, 32, 34, 31];

/**
 * Runs each service as `node <this CLI> <args>` (the same Node flags, so tsx carries over), with
 * its logs on our stderr: pretty and prefixed with the service's name on a terminal, the JSON
 * lines as they are otherwise (each has `service`). A child that exits on its own is restarted
 * after a growing delay (1 s up to 30 s); it is never left dead, and a stop never restarts it.
 */
export function startSupervisor(options: {
  readonly services: readonly ServiceSpec[];
  readonly env: NodeJS.ProcessEnv;
  readonly logger: Logger;
  /** Pretty, prefixed lines (a terminal) or JSON lines as they come. */
  readonly pretty: boolean;
}): Supervisor {
  const { logger } = options;
  const children = new Map<string, ChildProcess>();
  const restarts = new Map<string, number>();
  const pretty = prettyFactory({ colorize: true, ignore: 'pid,hostname,service', translateTime: 'SYS:HH:MM:ss.l' });
  let stopping = false;
  let index = 0;
  const specs: ServiceSpec[] = [];

  const launch = (spec: ServiceSpec, colour: number): void => {
    const child = spawn(process.execPath, [...process.execArgv, process.argv[1] as string, ...spec.args], {
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.set(spec.name, child);
    const prefix = `\u001b[${colour}m${spec.name.padEnd(12)}\u001b[0m│ `;
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      readline.createInterface({ input: stream }).on('line', (line) => {
        if (!options.pretty) {
          process.stderr.write(line.startsWith('{') ? `${line}\n` : `${JSON.stringify({ service: spec.name, msg: line })}\n`);
          return;
        }
        const text = line.startsWith('{') ? pretty(line).trimEnd() : line;
        process.stderr.write(
          `${text
            .split('\n')
            .map((part) => prefix + part)
            .join('\n')}\n`,
        );
      });
    }
    child.on('exit', (code, signal) => {
      if (children.get(spec.name) === child) children.delete(spec.name);
      if (stopping) return;
      const attempt = (restarts.get(spec.name) ?? 0) + 1;
      restarts.set(spec.name, attempt);
      const delayMs = Math.min(30_000, 1_000 * 2 ** (attempt - 1));
      logger.error({ child: spec.name, code, signal, restartInMs: delayMs }, 'a service exited; restarting it');
      setTimeout(() => {
        if (!stopping) launch(spec, colour);
      }, delayMs).unref();
    });
  };

  const add = (spec: ServiceSpec): void => {
    specs.push(spec);
    launch(spec, colours[index++ % colours.length] as number);
  };
  for (const spec of options.services) add(spec);

  return {
    add,
    async ready(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      const waiting = new Set(specs.filter((spec) => spec.health !== undefined));
      while (waiting.size > 0) {
        for (const spec of [...waiting]) {
          const ok = await fetch(spec.health as string, { signal: AbortSignal.timeout(2_000) })
            .then((response) => response.ok)
            .catch(() => false);
          if (ok) waiting.delete(spec);
        }
        if (waiting.size === 0) return;
        if (stopping) throw new Error('stopped before the services were ready');
        if (Date.now() > deadline)
          throw new Error(
            `not ready after ${timeoutMs / 1000} s: ${[...waiting].map((spec) => `${spec.name} (${spec.health})`).join(', ')}`,
          );
        await sleep(300);
      }
    },
    async stop(graceMs) {
      stopping = true;
      const running = [...children.values()].filter((child) => child.exitCode === null && child.signalCode === null);
      for (const child of running) child.kill('SIGTERM');
      const killer = setTimeout(() => {
        for (const child of running) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }, graceMs);
      await Promise.all(
        running.map((child) => (child.exitCode === null && child.signalCode === null ? once(child, 'exit') : Promise.resolve([]))),
      );
      clearTimeout(killer);
    },
  };
}
