import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { readDaemon, startDaemon, stopDaemon } from '../../stack/daemon.js';
import { exitedReason, waitReady } from '../../stack/ready.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'evp-ready-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Starts `node -e script` as a daemon whose stdout goes to `<name>.out`. */
function daemon(name: string, script: string) {
  const files = { out: path.join(dir, `${name}.out`), log: path.join(dir, `${name}.log`), pid: path.join(dir, `${name}.pid`) };
  const marker = `evp-ready-test-${name}`;
  const record = startDaemon({ command: process.execPath, args: ['-e', script, marker], logFile: files.out, pidFile: files.pid, marker });
  return { files, record };
}

describe('waiting for a daemon that dies', () => {
  it('stops early and says how it ended, with the end of its output and only the problem lines of its log', async () => {
    const log = path.join(dir, 'dies.log');
    fs.writeFileSync(log, ['INFO starting', 'ERROR could not bind 127.0.0.1:19093', 'INFO shutting down', 'INFO shut down'].join('\n'));
    const { files, record } = daemon('dies', "console.log('about to fail'); setTimeout(() => process.exit(3), 200)");
    const reason = exitedReason(record.pid, files.pid, [{ file: files.out }, { file: log, matching: /ERROR/ }], 'Test');

    const waited = waitReady(() => Promise.resolve(false), {
      timeoutMs: 30_000,
      intervalMs: 50,
      failure: 'Test did not answer',
      readLog: log,
      abortReason: reason,
    });
    const error = (await waited.catch((e: unknown) => e)) as Error;
    expect(error.message).toContain(`the Test process (pid ${record.pid}) exited`);
    expect(error.message).toContain('about to fail');
    expect(error.message).toContain('ERROR could not bind 127.0.0.1:19093');
    expect(error.message).not.toContain('shutting down');
    expect(readDaemon(files.pid)).toBeUndefined();
  });

  it('names the signal that killed it once the exit is seen', async () => {
    const { files, record } = daemon('killed', 'setInterval(() => undefined, 1000)');
    const reason = exitedReason(record.pid, files.pid, [{ file: files.out }], 'Test');
    expect(reason()).toBeUndefined();
    expect(await stopDaemon(files.pid, 'SIGKILL', 1000)).toBe(true);
    // The exit event reaches this process on a later turn of the event loop.
    await vi.waitFor(() => expect(reason()).toContain(`(pid ${record.pid}) exited (killed by SIGKILL)`), { timeout: 10_000, interval: 50 });
  });
});
