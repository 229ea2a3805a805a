import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { projectRoot } from '../adapters/project-root.js';

/** The built CLI: services run as `node dist/cli/evp.js <service>`, so a SIGKILL reaches the service itself. */
export const evpCli = path.join(projectRoot(), 'dist', 'cli', 'evp.js');

export interface ServiceProcess {
  readonly name: string;
  readonly pid: number;
  /** When it was spawned (ms since the epoch). */
  readonly startedAt: number;
  /** Resolves with how it ended. */
  readonly exited: Promise<string>;
  running(): boolean;
  /** Sends `signal` and waits until it has exited; SIGKILL after `graceMs` for any other signal. */
  stop(signal: NodeJS.Signals, graceMs?: number): Promise<string>;
}

/** Every child this process started and has not seen exit, so that an interrupted run still ends them. */
const live = new Set<ChildProcess>();
/** Set once `killAllChildren` ran: a scenario still running (say, a kill loop restarting its service) starts nothing more. */
let closed = false;

function openLog(logFile: string): number {
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  return fs.openSync(logFile, 'a');
}

/** `evp <args…>` as a long-running child, its stdout and stderr appended to `logFile`. */
export function startService(
  name: string,
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  logFile: string,
): ServiceProcess {
  if (closed) throw new Error(`not starting evp ${args.join(' ')}: the run is stopping`);
  const log = openLog(logFile);
  const child = spawn(process.execPath, [evpCli, ...args], { env, stdio: ['ignore', log, log] });
  fs.closeSync(log);
  if (child.pid === undefined) throw new Error(`could not start evp ${args.join(' ')}`);
  live.add(child);
  let ended = false;
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => {
      ended = true;
      live.delete(child);
      resolve(signal ? `killed by ${signal}` : `exit code ${String(code)}`);
    });
  });
  return {
    name,
    pid: child.pid,
    startedAt: Date.now(),
    exited,
    running: () => !ended,
    async stop(signal, graceMs = 15_000) {
      if (ended) return exited;
      child.kill(signal);
      if (signal !== 'SIGKILL') {
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        const how = await exited;
        clearTimeout(timer);
        return how;
      }
      return exited;
    },
  };
}

/** Runs `evp <args…>` to completion; resolves with its stdout, rejects with the end of its log on a non-zero exit. */
export async function runEvp(
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  logFile: string,
  timeoutMs = 120_000,
): Promise<string> {
  if (closed) throw new Error(`not running evp ${args.join(' ')}: the run is stopping`);
  const log = openLog(logFile);
  const child = spawn(process.execPath, [evpCli, ...args], { env, stdio: ['ignore', 'pipe', log] });
  fs.closeSync(log);
  live.add(child);
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode)));
  clearTimeout(timer);
  live.delete(child);
  fs.appendFileSync(logFile, stdout);
  if (code !== 0) {
    const tail = fs.readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-8).join('\n  ');
    throw new Error(`evp ${args.join(' ')} exited with ${String(code)}; the end of ${logFile}:\n  ${tail}`);
  }
  return stdout;
}

/** Polls a service's `/healthz` until it answers 200; false when `timeoutMs` passes or the process exits first. */
export async function waitHealthy(port: number, service: ServiceProcess, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && service.running()) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(1000) });
      await response.body?.cancel();
      if (response.ok) return true;
    } catch {
      // Not listening yet.
    }
    await sleep(200);
  }
  return false;
}

/** SIGKILL to every child still running (an interrupted or failed run). */
export function killAllChildren(): void {
  closed = true;
  for (const child of live) child.kill('SIGKILL');
  live.clear();
}
