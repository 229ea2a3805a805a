import { StackError, stackErrorCodes } from '../adapters/errors.js';
import { daemonEnding, readDaemon, tailFile } from './daemon.js';
import { waitUntil } from './net.js';

export interface ReadyOptions {
  timeoutMs: number;
  intervalMs: number;
  /** What was probed, for the error: "Kafka at 127.0.0.1:9092 did not answer …". */
  failure: string;
  /** The log file the error tells the reader to open. */
  readLog: string;
  /** Stop waiting early with this reason (e.g. the process died). */
  abortReason?: () => string | undefined;
}

/** Polls `probe` until it answers; otherwise throws EVP_STACK_NOT_READY naming the probe and log. */
export async function waitReady(probe: () => Promise<boolean>, options: ReadyOptions): Promise<void> {
  const result = await waitUntil(probe, {
    timeoutMs: options.timeoutMs,
    intervalMs: options.intervalMs,
    ...(options.abortReason ? { abortReason: options.abortReason } : {}),
  });
  if (!result.ok) {
    throw new StackError(stackErrorCodes.notReady, `${options.failure}: ${result.reason}. Read ${options.readLog}.`, {
      retriable: true,
      cause: result.lastError,
    });
  }
}

/** A log to quote when a process dies; `matching` keeps only the lines that say what went wrong. */
export interface QuotedLog {
  readonly file: string;
  readonly matching?: RegExp;
}

/**
 * An abort reason for `waitReady`: set once the process recorded in `pidFile` has exited, with how
 * it ended (when this process started it) and the end of each log.
 */
export function exitedReason(pid: number, pidFile: string, logs: readonly QuotedLog[], label: string): () => string | undefined {
  return () => {
    if (readDaemon(pidFile)) return undefined;
    const ending = daemonEnding(pid);
    const quoted = logs.map(({ file, matching }) => `last ${matching ? 'problem ' : ''}lines of ${file}:\n${tailFile(file, 15, matching)}`);
    return `the ${label} process (pid ${pid}) exited${ending ? ` (${ending})` : ''}; ${quoted.join('\n')}\n`;
  };
}
