import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { pino, type LevelWithSilent } from 'pino';
import { expect, inject } from 'vitest';
import { createLogger, type LogFields, type Logger } from '../../adapters/logger.js';
import { projectRoot } from '../../adapters/project-root.js';

/** One file per test file (named after it) and process; each line is written synchronously, so none is lost when a worker ends. */
let sink: pino.DestinationStream | undefined;

function logSink(): pino.DestinationStream | undefined {
  // Given by the integration run's global setup; unit tests have none.
  const dir = inject('logDir') as string | undefined;
  if (dir === undefined) return undefined;
  if (sink === undefined) {
    const testPath = expect.getState().testPath;
    const name = testPath === undefined ? 'unknown' : path.relative(projectRoot(), testPath).replace(/[\\/]/g, '__');
    const file = path.join(dir, `${name}.${process.pid}.${randomBytes(3).toString('hex')}.log`);
    sink = pino.destination({ dest: file, sync: true, append: true });
  }
  return sink;
}

/**
 * A service logger as a test starts one: `level` on stderr (quiet by default), and in the
 * integration run every line at debug or above also kept for the secrets audit.
 */
export function createTestLogger(level: LevelWithSilent, fields: LogFields = {}): Logger {
  const stream = logSink();
  return createLogger(level, fields, stream === undefined ? {} : { copyTo: { stream, level: 'debug' } });
}

/** What a service a test ran as a process wrote (its stderr), kept as is beside the loggers' lines for the audit. */
export function keepServiceOutput(output: string): void {
  const stream = logSink();
  if (stream === undefined || output === '') return;
  stream.write(output.endsWith('\n') ? output : `${output}\n`);
}
