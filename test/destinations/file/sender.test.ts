import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFileSender, splitByFile, type FileRequest, type FileSender } from '../../../destinations/file/sender.js';

let root: string;
/** The organization's own directory, where its relative directories lead. */
let own: string;
let sender: FileSender;

const organizationId = 'org_files';

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'evp-file-sender-'));
  own = join(root, organizationId);
  sender = createFileSender({ root });
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

/** The process's open file descriptors, where /proc tells them (Linux). */
async function openDescriptors(): Promise<number | undefined> {
  return readdir('/proc/self/fd').then(
    (entries) => entries.length,
    () => undefined,
  );
}

const line = (n: number): string => JSON.stringify({ id: `evt_${String(n).padStart(4, '0')}`, type: 'invoice.paid' });

/** A request of `org_files` (unless `organization` says otherwise). */
const request = (directory: string, lines: string[], rotateBytes: number, organization = organizationId): FileRequest => ({
  organizationId: organization,
  directory,
  lines,
  rotateBytes,
});

describe('file sender', () => {
  it("file sender appends lines in order to one NDJSON file, creating the directory in the organization's", async () => {
    const first = await sender.send(request('nested/events', [line(1), line(2)], 1_000_000));
    // The same directory given absolute: the same file.
    const second = await sender.send(request(join(own, 'nested', 'events'), [line(3)], 1_000_000));

    expect(first.result).toEqual({ kind: 'response', status: 200 });
    expect(second.result).toEqual({ kind: 'response', status: 200 });
    const files = await readFiles(join(own, 'nested', 'events'));
    expect(files).toHaveLength(1);
    expect(files[0]?.name).toMatch(/^events-\d{8}T\d{9}Z-[0-9a-f]{8}\.ndjson$/);
    expect(files[0]?.lines).toEqual([line(1), line(2), line(3)]);
  });

  it('file sender rotates past rotateBytes and writes every line exactly once', async () => {
    const rotateBytes = 200;
    const lines = Array.from({ length: 60 }, (_, n) => line(n));
    // Concurrent sends to one directory are serialized: no line is torn or interleaved.
    const outcomes = await Promise.all(
      Array.from({ length: 12 }, (_, batch) => sender.send(request('rotating', lines.slice(batch * 5, batch * 5 + 5), rotateBytes))),
    );

    expect(outcomes.every((outcome) => outcome.result.kind === 'response')).toBe(true);
    const files = await readFiles(join(own, 'rotating'));
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) expect(file.size).toBeLessThanOrEqual(rotateBytes);
    expect(files.flatMap((file) => file.lines)).toEqual(lines);
  });

  it('file sender puts a single line larger than rotateBytes in a file of its own', async () => {
    const big = JSON.stringify({ blob: 'x'.repeat(500) });
    await sender.send(request('oversized', [line(1), big, line(2)], 100));

    const files = await readFiles(join(own, 'oversized'));
    expect(files.map((file) => file.lines)).toEqual([[line(1)], [big], [line(2)]]);
  });

  it('file sender starts a new file after a restart rather than appending to an old one', async () => {
    await sender.send(request('restart', [line(1)], 1_000_000));
    await sender.close();
    sender = createFileSender({ root });
    await sender.send(request('restart', [line(2)], 1_000_000));

    const files = await readFiles(join(own, 'restart'));
    expect(files.map((file) => file.lines)).toEqual([[line(1)], [line(2)]]);
  });

  it('file sender reports an unwritable directory as an error outcome with its code', async () => {
    await mkdir(own);
    await writeFile(join(own, 'not-a-directory'), 'a file');
    const outcome = await sender.send(request('not-a-directory/events', [line(1)], 1_000));

    expect(outcome.result).toEqual({ kind: 'error', code: 'ENOTDIR' });
    expect(outcome.error).toContain('not-a-directory/events');
    // The sender keeps working for other directories.
    expect((await sender.send(request('fine', [line(1)], 1_000))).result.kind).toBe('response');
  });

  it.skipIf(process.getuid?.() === 0)('file sender reports a directory it may not write as EACCES', async () => {
    await mkdir(own);
    await mkdir(join(own, 'locked'), { mode: 0o500 });
    const outcome = await sender.send(request('locked', [line(1)], 1_000));

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

  it("file sender refuses a directory outside the organization's, as given or stored before the rule, and writes nothing", async () => {
    for (const directory of [join(root, 'elsewhere'), join(root, 'org_other', 'exports'), root, '/etc/cron.d', 'a/../../org_other']) {
      const outcome = await sender.send(request(directory, ['{}'], 1024));
      expect(outcome.result, directory).toEqual({ kind: 'error', code: 'outside_root' });
    }
    expect(await readdir(root)).toEqual([]);
  });

  it('file sender refuses every file destination without a root', async () => {
    const disabled = createFileSender({ root: undefined });
    const outcome = await disabled.send(request('exports', ['{}'], 1024));
    expect(outcome.result).toEqual({ kind: 'error', code: 'outside_root' });
    expect(outcome.error).toContain('DESTINATION_FILE_ROOT');
    await disabled.close();
  });

  it("file sender keeps organizations apart: a link in B's directory into A's, or out of the root, is refused and nothing is written", async () => {
    const victim = join(root, 'org_a');
    expect((await sender.send(request('exports', [line(1)], 1024, 'org_a'))).result.kind).toBe('response');
    const before = await readFiles(join(victim, 'exports'));
    const outside = await mkdtemp(join(tmpdir(), 'evp-file-sender-outside-'));
    try {
      const attacker = join(root, 'org_b');
      await mkdir(join(attacker, 'nested'), { recursive: true });
      await symlink(join(victim, 'exports'), join(attacker, 'into-a'));
      await symlink(victim, join(attacker, 'nested', 'into-a-root'));
      await symlink(outside, join(attacker, 'out'));

      for (const directory of [
        'into-a',
        'nested/into-a-root/exports',
        'nested/into-a-root/new',
        'out',
        'out/deeper',
        join(attacker, 'into-a'),
      ]) {
        const outcome = await sender.send(request(directory, [line(2)], 1024, 'org_b'));
        expect(outcome.result, directory).toEqual({ kind: 'error', code: 'outside_root' });
        expect(outcome.error, directory).toContain('symbolic link');
      }
      expect(await readFiles(join(victim, 'exports'))).toEqual(before);
      expect(await readdir(victim)).toEqual(['exports']);
      expect(await readdir(outside)).toEqual([]);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it("file sender refuses an organization's directory that is a link, and follows links that stay inside it", async () => {
    await mkdir(join(root, 'org_a'));
    await symlink(join(root, 'org_a'), join(root, 'org_b'));
    const linked = await sender.send(request('exports', [line(1)], 1024, 'org_b'));
    expect(linked.result).toEqual({ kind: 'error', code: 'outside_root' });
    expect(await readdir(join(root, 'org_a'))).toEqual([]);

    await mkdir(join(own, 'real'), { recursive: true });
    await symlink(join(own, 'real'), join(own, 'alias'));
    expect((await sender.send(request('alias', [line(1)], 1024))).result.kind).toBe('response');
    expect((await readFiles(join(own, 'real'))).map((file) => file.lines)).toEqual([[line(1)]]);
  });

  it('file sender keeps at most maxOpenFiles files open across many directories, and loses no line', async () => {
    const bounded = createFileSender({ root, maxOpenFiles: 4 });
    const fds = await openDescriptors();
    let most = 0;
    const sampler = setInterval(() => (most = Math.max(most, bounded.openFiles())), 1);
    try {
      const names = Array.from({ length: 40 }, (_, n) => `many/d${n}`);
      const sent = names.flatMap((name, n) =>
        Array.from({ length: 3 }, (_, batch) =>
          bounded.send(request(name, [line(n * 10 + batch * 2), line(n * 10 + batch * 2 + 1)], 1_000_000)),
        ),
      );
      const outcomes = await Promise.all(sent);
      most = Math.max(most, bounded.openFiles());

      expect(outcomes.every((outcome) => outcome.result.kind === 'response')).toBe(true);
      expect(most).toBeLessThanOrEqual(4);
      expect(bounded.openFiles()).toBeLessThanOrEqual(4);
      if (fds !== undefined) expect((await openDescriptors()) ?? 0).toBeLessThanOrEqual(fds + 4);
      for (const [n, name] of names.entries()) {
        const files = await readFiles(join(own, name));
        // In order across the directory's files, each line whole.
        expect(
          files.flatMap((file) => file.lines),
          name,
        ).toEqual(Array.from({ length: 6 }, (_, k) => line(n * 10 + k)));
      }
    } finally {
      clearInterval(sampler);
      await bounded.close();
    }
    expect(bounded.openFiles()).toBe(0);
  });

  it("file sender closes an idle directory's file and starts a new one on its next append", async () => {
    const idle = createFileSender({ root, idleMs: 50 });
    try {
      expect((await idle.send(request('idle', [line(1), line(2)], 1_000_000))).result.kind).toBe('response');
      expect(idle.openFiles()).toBe(1);
      await expect.poll(() => idle.openFiles(), { timeout: 2_000 }).toBe(0);

      expect((await idle.send(request('idle', [line(3)], 1_000_000))).result.kind).toBe('response');
      expect(idle.openFiles()).toBe(1);
      const files = await readFiles(join(own, 'idle'));
      expect(files.map((file) => file.lines)).toEqual([[line(1), line(2)], [line(3)]]);
    } finally {
      await idle.close();
    }
  });

  it('file sender never interleaves lines while files are closed for idleness and for room', async () => {
    const busy = createFileSender({ root, maxOpenFiles: 2, idleMs: 5 });
    let most = 0;
    const sampler = setInterval(() => (most = Math.max(most, busy.openFiles())), 1);
    try {
      const names = Array.from({ length: 6 }, (_, n) => `busy/d${n}`);
      const expected = new Map(names.map((name) => [name, [] as string[]]));
      const sent: Promise<unknown>[] = [];
      for (let round = 0; round < 10; round += 1) {
        for (const [n, name] of names.entries()) {
          // Lines longer than one write's worth of a small file, so a torn or interleaved line would show.
          const lines = [0, 1, 2].map((k) => JSON.stringify({ id: `${name}-${round}-${k}`, pad: String(n).repeat(300) }));
          expected.get(name)?.push(...lines);
          sent.push(busy.send(request(name, lines, 2_000)));
        }
        // Some rounds wait past idleMs, so files are closed for idleness between appends too.
        if (round % 3 === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const outcomes = (await Promise.all(sent)) as { result: { kind: string } }[];

      expect(outcomes.every((outcome) => outcome.result.kind === 'response')).toBe(true);
      expect(most).toBeLessThanOrEqual(2);
      for (const name of names) {
        const files = await readFiles(join(own, name));
        expect(files.length, name).toBeGreaterThan(1);
        for (const file of files) expect(file.size).toBeLessThanOrEqual(2_000);
        expect(
          files.flatMap((file) => file.lines),
          name,
        ).toEqual(expected.get(name));
      }
      await expect.poll(() => busy.openFiles(), { timeout: 2_000 }).toBe(0);
    } finally {
      clearInterval(sampler);
      await busy.close();
    }
  });

  it('file sender writes an organization with characters unsafe in a name to an encoded directory of its own', async () => {
    expect((await sender.send(request('exports', [line(1)], 1024, 'org:acme/../x'))).result.kind).toBe('response');
    expect(await readdir(root)).toEqual(['org%3Aacme%2F..%2Fx']);
  });
});
