import fs from 'node:fs';
import path from 'node:path';
import { StackError, stackErrorCodes } from '../adapters/errors.js';

/**
 * An exclusive lock file, so two `stack up` calls at once (two terminals, two test runs) do not
 * both start Kafka. A lock left by a process that died is taken over.
 */
export async function withLock<T>(lockFile: string, timeoutMs: number, body: () => Promise<T>): Promise<T> {
  fs.mkdirSync(path.dirname(lockFile), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      fs.writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      break;
    } catch (error) {
      if (!(error && typeof error === 'object' && 'code' in error && error.code === 'EEXIST')) throw error;
      const holder = Number(fs.readFileSync(lockFile, 'utf8').trim());
      if (!isAlive(holder)) {
        fs.rmSync(lockFile, { force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new StackError(
          stackErrorCodes.locked,
          `Another evp stack command (pid ${holder}) has held ${lockFile} for over ${timeoutMs} ms; wait for it or stop it.`,
          { retriable: true },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  try {
    return await body();
  } finally {
    fs.rmSync(lockFile, { force: true });
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error !== null && typeof error === 'object' && 'code' in error && error.code === 'EPERM';
  }
}
