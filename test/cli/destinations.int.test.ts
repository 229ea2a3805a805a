import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../adapters/project-root.js';
import { createTestKey, startTestApi } from '../harness/api.js';
import { useTestContext } from '../harness/index.js';
import { securedKafka } from '../harness/tls.js';

const ctx = useTestContext('cli-destinations');
const run = promisify(execFile);
const root = projectRoot();
const evpArgs = ['--import', 'tsx', path.join(root, 'cli', 'evp.ts'), 'destinations'];

let api: Awaited<ReturnType<typeof startTestApi>>;
let key: string;

beforeAll(async () => {
  const { pool, schema } = await ctx.createTestDatabase();
  api = await startTestApi(ctx, schema);
  key = await createTestKey(pool, 'org_cli_dst');
});

afterAll(async () => {
  await api?.stop();
});

interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `evp destinations …` against the test API, with `env` over the connection variables. */
async function evp(args: string[], env: Record<string, string | undefined> = {}): Promise<Outcome> {
  const merged: Record<string, string | undefined> = { ...process.env, ...ctx.env, EVP_API_URL: api.url, EVP_API_KEY: key, ...env };
  for (const [name, value] of Object.entries(merged)) if (value === undefined) delete merged[name];
  try {
    const { stdout, stderr } = await run(process.execPath, [...evpArgs, ...args], { env: merged, timeout: 60_000, cwd: root });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

async function evpJson<T = Record<string, unknown>>(...args: string[]): Promise<T> {
  const outcome = await evp([...args, '--json']);
  expect(outcome.code, outcome.stderr).toBe(0);
  return JSON.parse(outcome.stdout) as T;
}

const lastLine = (text: string) => text.trimEnd().split('\n').at(-1) as string;

describe('evp destinations', () => {
  it('creates, lists, reads, updates, pauses, resumes, rotates and deletes destinations', async () => {
    const created = await evp([
      'create',
      '--type',
      'webhook',
      '--event-types',
      'invoice.*,customer.created',
      '--url',
      'http://127.0.0.1:9/hook',
      '--header',
      'x-team:billing',
      '--header',
      'x-env: test',
      '--timeout-ms',
      '5000',
      '--description',
      'billing receiver',
    ]);
    expect(created.code, created.stderr).toBe(0);
    const id = /^(dst_\S+)\s+webhook\s+active/.exec(created.stdout)?.[1] as string;
    expect(id).toBeDefined();
    expect(created.stdout).toContain('http://127.0.0.1:9/hook');
    expect(created.stdout).toContain('shown only once');
    const secret = lastLine(created.stdout);
    expect(secret).toMatch(/^whsec_/);

    const kafka = await evpJson(
      'create',
      '--type',
      'kafka',
      '--event-types',
      '*',
      '--severities',
      'critical',
      '--brokers',
      '127.0.0.1:9092',
      '--topic',
      'customer.events',
    );
    expect(kafka).toMatchObject({
      object: 'destination',
      type: 'kafka',
      severities: ['critical'],
      kafka: { brokers: ['127.0.0.1:9092'], topic: 'customer.events' },
    });
    expect(kafka['secret']).toBeUndefined();

    const listed = await evpJson<{ object: string; data: { id: string }[]; has_more: boolean }>('list');
    expect(listed.object).toBe('list');
    expect(listed.data.map((destination) => destination.id)).toEqual([kafka['id'], id]);
    expect(listed.has_more).toBe(false);
    const firstPage = await evp(['list', '--limit', '1']);
    expect(firstPage.code, firstPage.stderr).toBe(0);
    expect(firstPage.stdout).toMatch(/^ID\s+TYPE\s+STATE/);
    expect(firstPage.stdout).toContain(`more: evp destinations list --starting-after ${kafka['id'] as string}`);
    const secondPage = await evpJson<{ data: { id: string }[] }>('list', '--limit', '1', '--starting-after', kafka['id'] as string);
    expect(secondPage.data.map((destination) => destination.id)).toEqual([id]);

    const read = await evpJson('get', id);
    expect(read).toMatchObject({
      id,
      type: 'webhook',
      active: true,
      description: 'billing receiver',
      event_types: ['invoice.*', 'customer.created'],
      webhook: { url: 'http://127.0.0.1:9/hook', headers: { 'x-team': 'billing', 'x-env': 'test' }, timeout_ms: 5000 },
    });
    expect(read['secret']).toBeUndefined();
    const shown = await evp(['get', id]);
    expect(shown.stdout).toContain('x-team: billing');
    expect(shown.stdout).not.toContain(secret);

    const updated = await evpJson('update', id, '--ordering', 'per_entity', '--timeout-ms', '10000', '--description', '');
    expect(updated).toMatchObject({ ordering: 'per_entity', webhook: { url: 'http://127.0.0.1:9/hook', timeout_ms: 10000 } });
    // The CLI sends `description: null`; the API's validator (coerceTypes) stores it as ''.
    expect(updated['description'] ?? '').toBe('');
    expect(await evpJson('update', kafka['id'] as string, '--severities', '')).toMatchObject({ severities: null });

    expect(await evpJson('pause', id)).toMatchObject({ id, active: false });
    const paused = await evp(['get', id]);
    expect(paused.stdout).toMatch(new RegExp(`^${id}\\s+webhook\\s+paused`));
    expect(await evpJson('resume', id)).toMatchObject({ id, active: true });
    expect(await evpJson('update', id, '--active', 'false')).toMatchObject({ active: false });

    const rotated = await evp(['rotate-secret', id, '--grace-hours', '1']);
    expect(rotated.code, rotated.stderr).toBe(0);
    const newSecret = lastLine(rotated.stdout);
    expect(newSecret).toMatch(/^whsec_/);
    expect(newSecret).not.toBe(secret);
    expect(rotated.stdout).toContain('the old one stays valid until');
    const rotatedJson = await evpJson('rotate-secret', id);
    expect(rotatedJson['secret']).toMatch(/^whsec_/);
    expect(rotatedJson['previous_secret_expires_at']).not.toBeNull();

    expect(await evpJson('delete', id)).toEqual({ id, object: 'destination', deleted: true });
    const gone = await evp(['get', id]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('code: resource_missing');
    const deletedKafka = await evp(['delete', kafka['id'] as string]);
    expect(deletedKafka.stdout.trim()).toBe(`deleted ${kafka['id'] as string}`);
  });

  it('names the API parameter (and the flag) when the API refuses a value', async () => {
    const unknownType = await evp([
      'create',
      '--type',
      'webhook',
      '--event-types',
      'invoice.refunded_twice',
      '--url',
      'http://127.0.0.1:9/hook',
    ]);
    expect(unknownType.code).toBe(1);
    expect(unknownType.stderr).toContain('param: event_types');
    expect(unknownType.stderr).toContain('flag: --event-types');

    const noUrl = await evp(['create', '--type', 'webhook', '--event-types', 'invoice.*']);
    expect(noUrl.code).toBe(1);
    expect(noUrl.stderr).toContain('param: webhook.url');
    expect(noUrl.stderr).toContain('flag: --url');

    const wrongSettings = await evp(['create', '--type', 'file', '--event-types', '*', '--url', 'http://127.0.0.1:9/hook']);
    expect(wrongSettings.code).toBe(1);
    expect(wrongSettings.stderr).toMatch(/param: (file|webhook)/);
  });

  it("reads a Kafka destination's secrets from files, never prints them, and names the file flag when one must be given again", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'evp-cli-kafka-'));
    const passwordFile = path.join(dir, 'password');
    fs.writeFileSync(passwordFile, 'cli-secret-4711\n', { mode: 0o600 });
    try {
      const created = await evp([
        'create',
        '--type',
        'kafka',
        '--event-types',
        'customer.created',
        '--brokers',
        ctx.endpoints.kafkaBrokers.join(','),
        '--topic',
        `${ctx.topicPrefix}-cli`,
        '--security-protocol',
        'SASL_SSL',
        '--sasl-mechanism',
        'SCRAM-SHA-512',
        '--sasl-username',
        'tenant',
        '--sasl-password-file',
        passwordFile,
        '--ssl-ca-file',
        securedKafka().caFile,
        '--ssl-verify-hostname',
        'false',
      ]);
      expect(created.code, created.stderr).toBe(0);
      expect(created.stdout).toMatch(/sasl_password\s+set/);
      expect(created.stdout).toMatch(/ssl_ca_pem\s+1 PEM certificate/);
      expect(created.stdout).toMatch(/ssl_verify_hostname\s+false/);
      expect(created.stdout).not.toContain('cli-secret-4711');
      const id = /^(dst_\S+)/.exec(created.stdout)?.[1] as string;

      const moved = await evp(['update', id, '--brokers', 'kafka.example.com:9093']);
      expect(moved.code).toBe(1);
      expect(moved.stderr).toContain('param: kafka.sasl_password');
      expect(moved.stderr).toContain('flag: --sasl-password-file');

      const given = await evpJson<{ kafka: Record<string, unknown> }>(
        'update',
        id,
        '--topic',
        `${ctx.topicPrefix}-cli-2`,
        '--sasl-password-file',
        passwordFile,
      );
      expect(given.kafka['sasl_password']).toBe('set');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses bad flag values before any request', async () => {
    // The API URL is unreachable: an error about the flag proves no request was made.
    const offline = { EVP_API_URL: `http://127.0.0.1:${await closedPort()}` };
    const cases: [string[], string][] = [
      [['create', '--type', 'webhook', '--event-types', '*', '--timeout-ms', 'soon'], '--timeout-ms'],
      [['create', '--type', 'webhook', '--event-types', '*', '--header', 'no-colon'], '--header'],
      [['create', '--type', 'webhook', '--event-types', '*', '--retry-schedule', '1000,later'], '--retry-schedule'],
      [['create', '--type', 'pigeon', '--event-types', '*'], '--type'],
      [['update', 'dst_x', '--active', 'maybe'], '--active'],
      [['update', 'dst_x', '--ssl-verify-hostname', 'maybe'], '--ssl-verify-hostname'],
      [['update', 'dst_x', '--sasl-password-file', path.join(os.tmpdir(), 'evp-no-such-password-file')], '--sasl-password-file'],
      [['update', 'dst_x'], 'nothing to change'],
      [['list', '--limit', 'ten'], '--limit'],
    ];
    for (const [args, named] of cases) {
      const outcome = await evp(args, offline);
      expect(outcome.code, args.join(' ')).toBe(1);
      expect(outcome.stderr, args.join(' ')).toContain(named);
      expect(outcome.stderr, args.join(' ')).not.toContain('unreachable');
    }
  });

  it('says how to get a key, how to start the API, and when a key is refused', async () => {
    const noKey = await evp(['list'], { EVP_API_KEY: undefined });
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toContain('--key');
    expect(noKey.stderr).toContain('EVP_API_KEY');
    expect(noKey.stderr).toContain('evp keys create --org');

    const url = `http://127.0.0.1:${await closedPort()}`;
    const offline = await evp(['list'], { EVP_API_URL: url });
    expect(offline.code).toBe(1);
    expect(offline.stderr).toContain(`the Events API at ${url} is unreachable`);
    expect(offline.stderr).toContain('evp api');

    const refused = await evp(['list', '--key', `evp_sk_${'A'.repeat(43)}`]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('code: api_key_invalid');
    expect(refused.stderr).toContain('EVP_API_KEY');
  });
});

/** A port nothing listens on (just released). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
