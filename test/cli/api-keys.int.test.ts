import { execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../adapters/project-root.js';
import { getJson } from '../harness/api.js';
import { useTestContext } from '../harness/index.js';
import { waitFor } from '../harness/materializer.js';

const ctx = useTestContext('cli-api-keys');
const run = promisify(execFile);
const root = projectRoot();
const evpArgs = ['--import', 'tsx', path.join(root, 'cli', 'evp.ts')];

describe('evp keys and evp api', () => {
  it('creates a key that the API accepts, lists it without the secret, and revokes it', async () => {
    const { schema } = await ctx.createTestDatabase();
    const env = { ...process.env, ...ctx.env, DATABASE_SCHEMA: schema };
    const evp = async (...args: string[]) => {
      try {
        const { stdout, stderr } = await run(process.execPath, [...evpArgs, ...args], { env, timeout: 60_000, cwd: root });
        return { code: 0, stdout, stderr };
      } catch (error) {
        const failed = error as { code: number; stdout: string; stderr: string };
        return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
      }
    };

    const created = await evp('keys', 'create', '--org', 'org_cli', '--name', 'ci');
    expect(created.code, created.stderr).toBe(0);
    const key = created.stdout.trimEnd().split('\n').at(-1) as string;
    expect(key).toMatch(/^evp_sk_[A-Za-z0-9_-]{43}$/);
    const id = /created (key_\S+)/.exec(created.stdout)?.[1] as string;
    expect(created.stdout).toContain('with admin;');
    const reader = await evp('keys', 'create', '--org', 'org_cli', '--scope', 'events:read, destinations:read', '--scope', 'events:read');
    expect(reader.code, reader.stderr).toBe(0);
    const readerKey = reader.stdout.trimEnd().split('\n').at(-1) as string;
    const readerId = /created (key_\S+)/.exec(reader.stdout)?.[1] as string;

    const listed = await evp('keys', 'list', '--org', 'org_cli', '--json');
    expect(listed.code).toBe(0);
    const rows = listed.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(rows).toEqual([
      expect.objectContaining({ id, organization_id: 'org_cli', name: 'ci', scopes: ['admin'], revoked_at: null }),
      expect.objectContaining({ id: readerId, name: null, scopes: ['events:read', 'destinations:read'], revoked_at: null }),
    ]);
    expect(listed.stdout).not.toContain(key);

    // `evp api` serves with it until SIGTERM.
    const api = spawn(process.execPath, [...evpArgs, 'api', '--port', '0'], { env: { ...env, LOG_LEVEL: 'info' }, cwd: root });
    let output = '';
    api.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const port = await waitFor(
      () => Promise.resolve(/"port":(\d+)/.exec(output)?.[1]),
      (found) => found !== undefined,
      60_000,
      'evp api to listen',
    );
    const url = `http://127.0.0.1:${port}/api/v1/events`;
    expect((await getJson(url, key)).status).toBe(200);
    expect((await getJson(url, readerKey)).status).toBe(200);
    // Reading a signing secret lets its holder sign webhooks: a read-only key may not.
    const secret = await getJson(`http://127.0.0.1:${port}/api/v1/destinations/dst_x/secret`, readerKey);
    expect(secret).toMatchObject({ status: 403, body: { error: { type: 'permission_error', code: 'scope_missing' } } });

    const revoked = await evp('keys', 'revoke', id);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain(`revoked ${id}`);
    // The server trusts a checked key for at most 5 s.
    await waitFor(
      async () => (await getJson(url, key)).status,
      (status) => status === 401,
      20_000,
      'the revoked key to be refused',
    );
    const exited = new Promise<number | null>((resolve) => api.once('exit', resolve));
    api.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('answers bad key commands with an error naming what is wrong', async () => {
    const env = { ...process.env, ...ctx.env };
    const fail = async (...args: string[]) => {
      try {
        await run(process.execPath, [...evpArgs, ...args], { env, timeout: 60_000, cwd: root });
        return { code: 0, stderr: '' };
      } catch (error) {
        return error as { code: number; stderr: string };
      }
    };
    const badOrg = await fail('keys', 'create', '--org', 'org with spaces');
    expect(badOrg.code).toBe(1);
    expect(badOrg.stderr).toContain('--org');
    const noOrg = await fail('keys', 'create');
    expect(noOrg.code).not.toBe(0);
    expect(noOrg.stderr).toContain('--org');
    const badScope = await fail('keys', 'create', '--org', 'org_cli', '--scope', 'events:read,events:delete');
    expect(badScope.code).toBe(1);
    expect(badScope.stderr).toContain(
      '--scope must be one of events:read, events:write, destinations:read, destinations:write, admin, got "events:delete"',
    );
    const unknown = await fail('keys', 'revoke', 'key_nothing');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('key_nothing');
  });
});
