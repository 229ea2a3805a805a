import { randomBytes } from 'node:crypto';
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { checkFileSettings } from '../../../core/destination-rules.js';
import type { FileRequest, SendOutcome } from './types.js';

export interface FileSender {
  /** Appends the lines and syncs them to disk; never rejects: every failure is an outcome. */
  send(request: FileRequest): Promise<SendOutcome>;
  /** Closes the open files, after the appends in flight. */
  close(): Promise<void>;
}

/** The file a directory's lines go to now: this process's own, opened by it. */
interface CurrentFile {
  readonly path: string;
  readonly handle: FileHandle;
  size: number;
}

interface DirectoryState {
  current?: CurrentFile | undefined;
  /** The time in the newest file's name, in ms: names of one process sort in creation order. */
  lastStamp: number;
  /** The tail of this directory's appends: each waits for the one before, so lines never interleave. */
  queue: Promise<unknown>;
}

/**
 * Writes file destinations as NDJSON: `events-<UTC yyyyMMddTHHmmssSSSZ>-<random>.ndjson`, one
 * JSON text per line. A process only ever appends to files it created (`ax` refuses an existing
 * name), so after a restart, or beside another streamer on the same directory, it starts a file
 * of its own. A file is closed and another started when the next append would take it past
 * `rotateBytes`; one append larger than that still goes whole into one file.
 */
export function createFileSender(options: { readonly root?: string } = {}): FileSender {
  const directories = new Map<string, DirectoryState>();

  function send(request: FileRequest): Promise<SendOutcome> {
    // The API checked this when the destination was saved; checked again in case the root changed since.
    const refused = options.root === undefined ? [] : checkFileSettings({ directory: request.directory }, options.root);
    if (refused.length > 0)
      return Promise.resolve({ result: { kind: 'error', code: 'outside_root' }, durationMs: 0, error: refused[0]?.message });
    let state = directories.get(request.directory);
    if (!state) {
      state = { queue: Promise.resolve(), lastStamp: 0 };
      directories.set(request.directory, state);
    }
    const directory = state;
    const run = directory.queue.then(() => append(directory, request));
    directory.queue = run;
    return run;
  }

  async function close(): Promise<void> {
    const states = [...directories.values()];
    directories.clear();
    await Promise.all(
      states.map(async (state) => {
        await state.queue;
        await closeCurrent(state);
      }),
    );
  }

  return { send, close };
}

async function append(state: DirectoryState, request: FileRequest): Promise<SendOutcome> {
  const started = performance.now();
  const elapsed = (): number => Math.round(performance.now() - started);
  try {
    for (const chunk of splitByFile(request.lines, state.current?.size ?? 0, request.rotateBytes)) {
      if (chunk.rotate || !state.current) {
        await closeCurrent(state);
        // Several files can start within one ms: the name's time moves on by 1 ms so names sort in order.
        state.lastStamp = Math.max(Date.now(), state.lastStamp + 1);
        state.current = await createFile(request.directory, state.lastStamp);
      }
      const current = state.current;
      await current.handle.write(chunk.data);
      current.size += chunk.data.length;
      await current.handle.sync();
    }
    // A file has no status code: lines written and synced count as a 2xx for the delivery verdict.
    return { result: { kind: 'response', status: 200 }, durationMs: elapsed() };
  } catch (thrown) {
    // A file may now end in part of a line (ENOSPC mid-write): the next append starts a new one.
    await closeCurrent(state).catch(() => undefined);
    const error = thrown as NodeJS.ErrnoException;
    const code = typeof error.code === 'string' ? error.code : 'file_error';
    return {
      result: { kind: 'error', code },
      durationMs: elapsed(),
      error: `writing to ${request.directory} failed: ${error.message ?? String(thrown)}`,
    };
  }
}

/**
 * Groups the lines, in order, into one write per file: a new file begins (`rotate`) where the
 * next line would take the current one past `rotateBytes`, unless the file is still empty.
 */
export function splitByFile(lines: readonly string[], currentSize: number, rotateBytes: number): { data: Buffer; rotate: boolean }[] {
  const chunks: { data: Buffer; rotate: boolean }[] = [];
  let pending: Buffer[] = [];
  let pendingSize = 0;
  let rotate = false;
  let size = currentSize;
  for (const line of lines) {
    const bytes = Buffer.from(`${line}\n`);
    if (size > 0 && size + bytes.length > rotateBytes) {
      if (pending.length > 0) chunks.push({ data: Buffer.concat(pending, pendingSize), rotate });
      pending = [];
      pendingSize = 0;
      rotate = true;
      size = 0;
    }
    pending.push(bytes);
    pendingSize += bytes.length;
    size += bytes.length;
  }
  if (pending.length > 0) chunks.push({ data: Buffer.concat(pending, pendingSize), rotate });
  return chunks;
}

async function createFile(directory: string, time: number): Promise<CurrentFile> {
  await mkdir(directory, { recursive: true });
  const stamp = new Date(time).toISOString().replace(/[-:]/g, '').replace('.', '');
  const path = join(directory, `events-${stamp}-${randomBytes(4).toString('hex')}.ndjson`);
  const handle = await open(path, 'ax');
  // The new name must survive a crash too: sync the directory entry.
  await syncDirectory(directory);
  return { path, handle, size: 0 };
}

async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function closeCurrent(state: DirectoryState): Promise<void> {
  const current = state.current;
  state.current = undefined;
  await current?.handle.close();
}
