import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, mkdir, open, realpath, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { isInside, resolveFileDirectory } from '../../core/destination-rules.js';
import { organizationDirectoryName } from '../../core/organization-directory.js';
import type { SendOutcome } from '../send-outcome.js';

export interface FileRequest {
  /** The destination's organization: its files go below its own directory of DESTINATION_FILE_ROOT. */
  readonly organizationId: string;
  /** As stored: relative to the organization's directory, or absolute inside it. */
  readonly directory: string;
  /** One JSON text per line, written in this order. */
  readonly lines: readonly string[];
  /** A file is closed and a new one started past this size, in bytes. */
  readonly rotateBytes: number;
}

export interface FileSenderOptions {
  /** DESTINATION_FILE_ROOT: each organization writes below its own directory there; without a root every file destination is refused. */
  readonly root: string | undefined;
  /** A directory's file unused this long is closed and the directory forgotten, in ms. @defaultValue 60,000 (1 min) */
  readonly idleMs?: number;
  /** The most files open at once; past it, an append needing a file waits for another directory's to close. @defaultValue 64 */
  readonly maxOpenFiles?: number;
}

export interface FileSender {
  /** Appends the lines and syncs them to disk; never rejects: every failure is an outcome. */
  send(request: FileRequest): Promise<SendOutcome>;
  /** Closes the open files, after the appends in flight. */
  close(): Promise<void>;
  /** Files open, being opened or being closed (for tests and metrics). */
  openFiles(): number;
}

/** The file a directory's lines go to now: this process's own, opened by it. */
interface CurrentFile {
  /** The directory it is in, symbolic links resolved. */
  readonly directory: string;
  readonly path: string;
  readonly handle: FileHandle;
  size: number;
}

interface DirectoryState {
  current?: CurrentFile | undefined;
  /** The tail of this directory's appends: each waits for the one before, so lines never interleave. */
  queue: Promise<unknown>;
  /** Appends queued or running. */
  pending: number;
  idleTimer?: NodeJS.Timeout | undefined;
}

/** A destination's directory leads out of its organization's directory (a symbolic link, or a stored row from before the rule). */
class OutsideRootError extends Error {
  readonly code = 'outside_root';
}

/**
 * Appends through O_NOFOLLOW, and only ever creates (O_EXCL): a symbolic link planted where the
 * file is to be is refused rather than followed. (0 where the platform has no such flag.)
 */
const createFlags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_APPEND | (constants.O_NOFOLLOW ?? 0);
const directoryFlags = constants.O_RDONLY | (constants.O_DIRECTORY ?? 0) | (constants.O_NOFOLLOW ?? 0);

/**
 * Writes file destinations as NDJSON: `events-<UTC yyyyMMddTHHmmssSSSZ>-<random>.ndjson`, one
 * JSON text per line. A process only ever appends to files it created, so after a restart, or
 * beside another streamer on the same directory, it starts a file of its own. A file is closed
 * and another started when the next append would take it past `rotateBytes`; one append larger
 * than that still goes whole into one file.
 *
 * Open files are bounded, since a tenant may change its directory at will: a directory's file is
 * closed once unused for `idleMs` (and the directory forgotten), and at most `maxOpenFiles` are
 * open. Past that, an append that needs a file waits: the least recently used directory with
 * nothing queued gives its file up at once, else the first directory to finish its running append
 * does (a file is never closed under an append). A closed file is never reopened: the
 * directory's next append starts a new one.
 *
 * Each organization writes below `<root>/<its directory>` (core/organization-directory.ts) only.
 * Before every append the destination's directory is resolved again, name by name, with realpath:
 * a symbolic link that leads out of the organization's directory (to another organization's, or
 * out of the root) ends the attempt as `outside_root`, and nothing is written.
 */
export function createFileSender(options: FileSenderOptions): FileSender {
  const idleMs = options.idleMs ?? 60_000;
  const maxOpenFiles = Math.max(1, options.maxOpenFiles ?? 64);
  /** By resolved path, least recently used first: a use moves a directory to the end. */
  const directories = new Map<string, DirectoryState>();
  /** Files open, being opened or being closed; at most `maxOpenFiles`. */
  let openCount = 0;
  /** Appends waiting for a file to be free, first come first served. */
  const waiting: (() => void)[] = [];
  /** Files being closed: each frees a place for one waiting append. */
  let freeing = 0;
  /** Closes of forgotten directories' files still running, for `close` to wait for. */
  const closing = new Set<Promise<void>>();
  /** The time in the newest file's name, in ms: names of one process sort in creation order. */
  let lastStamp = 0;

  function send(request: FileRequest): Promise<SendOutcome> {
    const root = options.root;
    if (root === undefined)
      return Promise.resolve(refused('file destinations are not enabled on this streamer (no DESTINATION_FILE_ROOT)'));
    // The API checked this when the destination was saved; checked again for rows saved under older rules or another root.
    const target = resolveFileDirectory(request.directory, root, request.organizationId);
    if ('problem' in target) return Promise.resolve(refused(target.problem));
    const state = directories.get(target.path) ?? { queue: Promise.resolve(), pending: 0 };
    directories.delete(target.path);
    directories.set(target.path, state);
    clearTimeout(state.idleTimer);
    state.pending += 1;
    const run = state.queue.then(() => append(state, request, root, target.below));
    state.queue = run.then(async () => {
      try {
        // Another directory waits for a file: this one gives its up, its next append starts a new one.
        if (state.current && waiting.length > freeing) await closeFile(state);
      } catch {
        // The handle is let go all the same: the next append starts a new file.
      } finally {
        settle(target.path, state);
      }
    });
    return run;
  }

  /** After an append: a directory with nothing queued keeps its file until idle, or is forgotten when it has none. */
  function settle(path: string, state: DirectoryState): void {
    state.pending -= 1;
    if (state.pending > 0) return;
    if (!state.current) {
      forget(path, state);
      return;
    }
    state.idleTimer = setTimeout(() => {
      if (state.pending === 0) forget(path, state);
    }, idleMs);
    state.idleTimer.unref();
  }

  /** Drops a directory with nothing queued, closing its file: its next append starts a new state and a new file. */
  function forget(path: string, state: DirectoryState): void {
    clearTimeout(state.idleTimer);
    if (directories.get(path) === state) directories.delete(path);
    const closed = closeFile(state).catch(() => undefined);
    closing.add(closed);
    void closed.then(() => closing.delete(closed));
  }

  /**
   * Waits for a place among the open files. The least recently used directory with nothing queued
   * gives its file up at once; without one, the first directory to finish its append does (`send`).
   */
  function takeFile(): Promise<void> {
    if (openCount < maxOpenFiles) {
      openCount += 1;
      return Promise.resolve();
    }
    const free = new Promise<void>((resolve) => waiting.push(resolve));
    if (waiting.length > freeing) {
      for (const [path, state] of directories) {
        if (state.current && state.pending === 0) {
          forget(path, state);
          break;
        }
      }
    }
    return free;
  }

  /** Hands a closed file's place to the first waiting append. */
  function giveFile(): void {
    const next = waiting.shift();
    if (next) next();
    else openCount -= 1;
  }

  async function closeFile(state: DirectoryState): Promise<void> {
    const current = state.current;
    state.current = undefined;
    if (!current) return;
    freeing += 1;
    try {
      await current.handle.close();
    } finally {
      freeing -= 1;
      giveFile();
    }
  }

  async function append(state: DirectoryState, request: FileRequest, root: string, below: readonly string[]): Promise<SendOutcome> {
    const started = performance.now();
    const elapsed = (): number => Math.round(performance.now() - started);
    try {
      const place = await enterDirectory(root, request, below);
      // The directory now resolves elsewhere (a link changed): the open file is left for a new one there.
      if (state.current && state.current.directory !== place.directory) await closeFile(state);
      for (const chunk of splitByFile(request.lines, state.current?.size ?? 0, request.rotateBytes)) {
        if (chunk.rotate || !state.current) {
          await closeFile(state);
          await takeFile();
          try {
            // Several files can start within one ms: the name's time moves on by 1 ms so names sort in order.
            lastStamp = Math.max(Date.now(), lastStamp + 1);
            state.current = await createFile(place, request.directory, lastStamp);
          } catch (error) {
            giveFile();
            throw error;
          }
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
      await closeFile(state).catch(() => undefined);
      if (thrown instanceof OutsideRootError) return refused(thrown.message, elapsed());
      const error = thrown as NodeJS.ErrnoException;
      const code = typeof error.code === 'string' ? error.code : 'file_error';
      return {
        result: { kind: 'error', code },
        durationMs: elapsed(),
        error: `writing to ${request.directory} failed: ${error.message ?? String(thrown)}`,
      };
    }
  }

  async function close(): Promise<void> {
    const states = [...directories.values()];
    directories.clear();
    await Promise.all(
      states.map(async (state) => {
        await state.queue;
        clearTimeout(state.idleTimer);
        await closeFile(state);
      }),
    );
    await Promise.all(closing);
  }

  return { send, close, openFiles: () => openCount };
}

function refused(message: string | undefined, durationMs = 0): SendOutcome {
  return { result: { kind: 'error', code: 'outside_root' }, durationMs, error: message };
}

/**
 * The destination's directory with symbolic links resolved, made where missing, and the
 * organization's directory it must stay in. The root may be a link (an operator's choice); the
 * organization's directory is the pipeline's own and may not be one; below it, each name is
 * resolved in turn, so a link is followed only while it stays inside.
 */
async function enterDirectory(
  root: string,
  request: FileRequest,
  below: readonly string[],
): Promise<{ readonly directory: string; readonly organization: string }> {
  await mkdir(root, { recursive: true });
  const organization = join(await realpath(root), organizationDirectoryName(request.organizationId));
  await makeDirectory(organization);
  if (!(await lstat(organization)).isDirectory()) {
    throw new OutsideRootError(
      `this organization's directory under DESTINATION_FILE_ROOT is not a directory (a symbolic link?); nothing was written to ${request.directory}`,
    );
  }
  let directory = organization;
  for (const name of below) {
    const next = join(directory, name);
    await makeDirectory(next);
    directory = await realpath(next);
    if (!isInside(directory, organization)) throw leftOrganization(request.directory);
  }
  return { directory, organization };
}

function leftOrganization(directory: string): OutsideRootError {
  return new OutsideRootError(
    `${directory} leads out of this organization's directory through a symbolic link; nothing was written. Remove the link or choose another directory`,
  );
}

/** mkdir of one name, which may be there already (as a directory, or a link to be resolved next). */
async function makeDirectory(path: string): Promise<void> {
  try {
    await mkdir(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
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

/**
 * Creates the next file in the resolved directory. A directory swapped for a link between the
 * check and the open would put the file elsewhere: the new file is checked to be the one in the
 * directory, still inside the organization's, before anything is written to it.
 */
async function createFile(
  place: { readonly directory: string; readonly organization: string },
  shown: string,
  time: number,
): Promise<CurrentFile> {
  const stamp = new Date(time).toISOString().replace(/[-:]/g, '').replace('.', '');
  const path = join(place.directory, `events-${stamp}-${randomBytes(4).toString('hex')}.ndjson`);
  const handle = await open(path, createFlags, 0o666);
  try {
    const [opened, named, directory] = await Promise.all([handle.stat(), lstat(path), realpath(place.directory)]);
    if (opened.ino !== named.ino || opened.dev !== named.dev || !isInside(directory, place.organization)) throw leftOrganization(shown);
    // The new name must survive a crash too: sync the directory entry.
    await syncDirectory(place.directory);
  } catch (error) {
    await handle.close();
    throw error;
  }
  return { directory: place.directory, path, handle, size: 0 };
}

async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, directoryFlags);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
