import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFileSender, splitByFile, type FileSender } from '../../../../consumers/streamer/senders/file.js';

let root: string;
let sender: FileSender;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'evp-file-sender-'));
  sender = createFileSender();
});

afterEach(async () => {
  await sender.close();
  await rm(root, { recursive: true, force: true });
});

/** The destination's files in name order (creation order: names start with the time) with their lines. */
async function readFiles(directory: string): Promise<{ name: string; size: number; lines: string[] }[]> {
  const names = (await readdir(directory)).sort();
  return Promise.all(
    names.map(async (name) => {
      const text = await readFile(join(directory, name), 'utf8');
      expect(text.endsWith('\n')).toBe(true);
      return { name, size: (await stat(join(directory, name))).size, lines: text.slice(0, -1).split('\n') };
    }),
  );
}

const line = (n: number): string => JSON.stringify({ id: `evt_${String(n).padStart(4, '0')}`, type: 'invoice.paid' });

describe('file sender', () => {
  it('file sender appends lines in order to one NDJSON file, creating the directory', async () => {
    const directory = join(root, 'nested', 'events');
    const first = await sender.send({ directory, lines: [line(1), line(2)], rotateBytes: 1_000_000 });
    const second = await sender.send({ directory, lines: [line(3)], rotateBytes: 1_000_000 });

    expect(first.result).toEqual({ kind: 'response', status: 200 });
    expect(second.result).toEqual({ kind: 'response', status: 200 });
    const files = await readFiles(directory);
    expect(files).toHaveLength(1);
    expect(files[0]?.name).toMatch(/^events-\d{8}T\d{9}Z-[0-9a-f]{8}\.ndjson$/);
    expect(files[0]?.lines).toEqual([line(1), line(2), line(3)]);
  });

  it('file sender rotates past rotateBytes and writes every line exactly once', async () => {
    const directory = join(root, 'rotating');
    const rotateBytes = 200;
    const lines = Array.from({ length: 60 }, (_, n) => line(n));
    // Concurrent sends to one directory are serialized: no line is torn or interleaved.
    const outcomes = await Promise.all(
      Array.from({ length: 12 }, (_, batch) => sender.send({ directory, lines: lines.slice(batch * 5, batch * 5 + 5), rotateBytes })),
    );

    expect(outcomes.every((outcome) => outcome.result.kind === 'response')).toBe(true);
    const files = await readFiles(directory);
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) expect(file.size).toBeLessThanOrEqual(rotateBytes);
    expect(files.flatMap((file) => file.lines)).toEqual(lines);
  });

  it('file sender puts a single line larger than rotateBytes in a file of its own', async () => {
    const directory = join(root, 'oversized');
    const big = JSON.stringify({ blob: 'x'.repeat(500) });
    await sender.send({ directory, lines: [line(1), big, line(2)], rotateBytes: 100 });

    const files = await readFiles(directory);
    expect(files.map((file) => file.lines)).toEqual([[line(1)], [big], [line(2)]]);
  });

  it('file sender starts a new file after a restart rather than appending to an old one', async () => {
    const directory = join(root, 'restart');
    await sender.send({ directory, lines: [line(1)], rotateBytes: 1_000_000 });
    await sender.close();
    sender = createFileSender();
    await sender.send({ directory, lines: [line(2)], rotateBytes: 1_000_000 });

    const files = await readFiles(directory);
    expect(files.map((file) => file.lines)).toEqual([[line(1)], [line(2)]]);
  });

  it('file sender reports an unwritable directory as an error outcome with its code', async () => {
    const blocker = join(root, 'not-a-directory');
    await writeFile(blocker, 'a file');
    const outcome = await sender.send({ directory: join(blocker, 'events'), lines: [line(1)], rotateBytes: 1_000 });

    expect(outcome.result).toEqual({ kind: 'error', code: 'ENOTDIR' });
    expect(outcome.error).toContain(join(blocker, 'events'));
    // The sender keeps working for other directories.
    expect((await sender.send({ directory: join(root, 'fine'), lines: [line(1)], rotateBytes: 1_000 })).result.kind).toBe('response');
  });

  it.skipIf(process.getuid?.() === 0)('file sender reports a directory it may not write as EACCES', async () => {
    const locked = join(root, 'locked');
    await mkdir(locked, { mode: 0o500 });
    const outcome = await sender.send({ directory: locked, lines: [line(1)], rotateBytes: 1_000 });

    expect(outcome.result).toEqual({ kind: 'error', code: 'EACCES' });
  });

  it('splitByFile starts a new file only where the next line would overflow a non-empty one', () => {
    const sizes = (chunks: { data: Buffer; rotate: boolean }[]) => chunks.map((chunk) => [chunk.data.length, chunk.rotate]);
    expect(sizes(splitByFile(['aaaa', 'bbbb', 'cccc'], 0, 10))).toEqual([
      [10, false],
      [5, true],
    ]);
    expect(sizes(splitByFile(['aaaa'], 8, 10))).toEqual([[5, true]]);
    expect(sizes(splitByFile(['a'.repeat(20)], 0, 10))).toEqual([[21, false]]);
  });

  it('file sender refuses a directory outside its root and writes nothing', async () => {
    const guarded = createFileSender({ root: join(root, 'allowed') });
    const outcome = await guarded.send({ directory: join(root, 'elsewhere'), lines: ['{}'], rotateBytes: 1024 });
    expect(outcome.result).toEqual({ kind: 'error', code: 'outside_root' });
    expect(outcome.error).toContain('DESTINATION_FILE_ROOT');
    expect(await readdir(root)).toEqual([]);
    await guarded.close();
  });
});
