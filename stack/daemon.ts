import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Background processes the stack starts and later stops. Each is recorded in a pid file holding
 * its pid and a marker string from its command line, so `down` never signals a process that
 * merely reused the pid after ours exited.
 */
export interface DaemonSpec {
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** stdout and stderr are appended here. */
  readonly logFile: string;
  readonly pidFile: string;
  /** A string that appears in /proc/<pid>/cmdline of this process and of no other. */
  readonly marker: string;
  /** Extra facts kept in the pid file (e.g. the registry's storage kind). */
  readonly meta?: Record<string, string>;
  /** Run as this user (PostgreSQL refuses to run as root). */
  readonly uid?: number;
  readonly gid?: number;
}

/** How daemons started by this process ended ("exit code 1", "killed by SIGKILL"), by pid. */
const endings = new Map<number, string>();

/** How the daemon with this pid, started by this process, ended; undefined while it runs or if unseen. */
export function daemonEnding(pid: number): string | undefined {
  return endings.get(pid);
}

export interface DaemonRecord {
  pid: number;
  marker: string;
  startedAt: string;
  meta: Record<string, string>;
}

export function startDaemon(spec: DaemonSpec): DaemonRecord {
  fs.mkdirSync(path.dirname(spec.logFile), { recursive: true });
  fs.mkdirSync(path.dirname(spec.pidFile), { recursive: true });
  const log = fs.openSync(spec.logFile, 'a');
  try {
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env ?? process.env,
      // Its own process group: Ctrl-C in the terminal that ran `stack up` does not reach it, and
      // `down` can signal the whole group (PostgreSQL forks workers).
      detached: true,
      stdio: ['ignore', log, log],
      ...(spec.uid === undefined ? {} : { uid: spec.uid }),
      ...(spec.gid === undefined ? {} : { gid: spec.gid }),
    });
    if (child.pid === undefined) throw new Error(`could not spawn ${spec.command}`);
    const pid = child.pid;
    child.once('exit', (code, signal) => endings.set(pid, signal ? `killed by ${signal}` : `exit code ${String(code)}`));
    child.unref();
    const record: DaemonRecord = {
      pid: child.pid,
      marker: spec.marker,
      startedAt: new Date().toISOString(),
      meta: spec.meta ?? {},
    };
    fs.writeFileSync(spec.pidFile, JSON.stringify(record));
    return record;
  } finally {
    fs.closeSync(log);
  }
}

/** The running process recorded in `pidFile`, or undefined (and the stale file removed). */
export function readDaemon(pidFile: string): DaemonRecord | undefined {
  let record: DaemonRecord;
  try {
    record = JSON.parse(fs.readFileSync(pidFile, 'utf8')) as DaemonRecord;
  } catch {
    return undefined;
  }
  if (isOurProcess(record)) return record;
  fs.rmSync(pidFile, { force: true });
  return undefined;
}

export function isOurProcess(record: Pick<DaemonRecord, 'pid' | 'marker'>): boolean {
  try {
    const cmdline = fs.readFileSync(`/proc/${record.pid}/cmdline`, 'utf8').split('\0').join(' ');
    const stat = fs.readFileSync(`/proc/${record.pid}/stat`, 'utf8');
    // A zombie (state Z) has exited; it only waits for its parent to reap it.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && cmdline.includes(record.marker);
  } catch {
    return false;
  }
}

/**
 * Stops the recorded process group: `signal` first, SIGKILL after `graceMs`. Returns false when
 * nothing of ours was running.
 */
export async function stopDaemon(pidFile: string, signal: NodeJS.Signals, graceMs: number): Promise<boolean> {
  const record = readDaemon(pidFile);
  if (record === undefined) return false;
  signalGroup(record.pid, signal);
  const deadline = Date.now() + graceMs;
  while (isOurProcess(record) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (isOurProcess(record)) {
    signalGroup(record.pid, 'SIGKILL');
    while (isOurProcess(record)) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  fs.rmSync(pidFile, { force: true });
  return true;
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

/**
 * The last lines of a log file, for error messages; with `matching`, the last lines that match it
 * (a JVM's log ends in shutdown chatter after the line that says what went wrong).
 */
export function tailFile(file: string, lines = 15, matching?: RegExp): string {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return '(no log written)';
  }
  const all = text.trimEnd().split('\n');
  const kept = matching ? all.filter((line) => matching.test(line)) : all;
  return kept.slice(-lines).join('\n') || '(empty)';
}
