import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../../adapters/project-root.js';
import { startStreamer } from '../../../consumers/streamer/index.js';
import { demoDestinationDescription, demoEntities } from '../../../producers/demo/index.js';
import { useTestContext } from '../../harness/index.js';
import { prepareEntities, waitFor } from '../../harness/materializer.js';
import { testSecretBox } from '../../harness/secrets.js';
import { streamerOptions } from '../../harness/streamer.js';

const ctx = useTestContext('demo');
const root = projectRoot();
const evpArgs = ['--import', 'tsx', path.join(root, 'cli', 'evp.ts')];

interface Run {
  readonly code: number | null;
  readonly stderr: string;
  /** The JSON log lines of stderr. */
  readonly logs: Record<string, unknown>[];
}

/** `evp demo …` as a child process; `whileRunning` may signal it. */
function evpDemo(args: string[], env: NodeJS.ProcessEnv, whileRunning?: (child: ReturnType<typeof spawn>, stderr: () => string) => void) {
  return new Promise<Run>((resolve, reject) => {
    const child = spawn(process.execPath, [...evpArgs, 'demo', ...args], { env, cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.resume();
    const timer = setTimeout(() => child.kill('SIGKILL'), 150_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      const logs = stderr
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      resolve({ code, stderr, logs });
    });
    whileRunning?.(child, () => stderr);
  });
}

/** Events on the file's demo topics: the sum of their high watermarks (the topics start empty). */
async function countPublished(): Promise<number> {
  const admin = ctx.kafka.admin();
  await admin.connect();
  try {
    let total = 0;
    for (const entity of demoEntities) {
      for (const offsets of await admin.fetchTopicOffsets(`${ctx.topicPrefix}.${entity}`)) total += Number(offsets.high);
    }
    return total;
  } finally {
    await admin.disconnect();
  }
}

function environment(schema: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...ctx.env, DATABASE_SCHEMA: schema, LOG_LEVEL: 'info', ...extra };
  if (extra['DESTINATION_ALLOWED_HOSTS'] === undefined) delete env['DESTINATION_ALLOWED_HOSTS'];
  return env;
}

describe('evp demo', () => {
  it('publishes --count events for three organizations and keeps one demo destination per organization', async () => {
    await prepareEntities(ctx, demoEntities, 1);
    const { pool, schema } = await ctx.createTestDatabase();
    const args = ['--count', '200', '--rate', '200/s', '--receiver-port', '0', '--seed', '7'];

    const run = await evpDemo(args, environment(schema));
    expect(run.code, run.stderr).toBe(0);
    expect(run.logs.find((line) => line['msg'] === 'demo finished')).toMatchObject({ published: 200 });
    // Without 127.0.0.1 in DESTINATION_ALLOWED_HOSTS the streamer would refuse the receiver: the demo says so.
    expect(run.logs.some((line) => line['level'] === 40 && String(line['msg']).includes('DESTINATION_ALLOWED_HOSTS'))).toBe(true);
    expect(await countPublished()).toBe(200);

    const destinations = async () =>
      (
        await pool.query<{ id: string; organization_id: string; url: string; event_types: string[]; secret: string }>(
          `select id, organization_id, settings->>'url' as url, event_types, secret from destinations
            where description = $1 and deleted_at is null order by organization_id`,
          [demoDestinationDescription],
        )
      ).rows;
    const first = await destinations();
    expect(first.map((row) => row.organization_id)).toEqual(['org_acme', 'org_globex', 'org_initech']);
    for (const row of first) {
      expect(row.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/webhooks$/);
      expect(row.event_types).toEqual(['*']);
      // Sealed under the key the tests give every process (DESTINATION_SECRET_KEY).
      expect(row.secret).toMatch(new RegExp(`^evpenc1:${testSecretBox.keyId}:`));
      expect(testSecretBox.open(row.secret, row.id)).toMatch(/^whsec_/);
    }

    // A second run reuses them, pointed at its own receiver.
    const again = await evpDemo(
      ['--count', '10', '--rate', '100/s', '--receiver-port', '0'],
      environment(schema, { DESTINATION_ALLOWED_HOSTS: '127.0.0.1' }),
    );
    expect(again.code, again.stderr).toBe(0);
    expect(again.logs.some((line) => String(line['msg']).includes('DESTINATION_ALLOWED_HOSTS'))).toBe(false);
    const port = again.logs.find((line) => line['msg'] === 'demo receiver listening')?.['port'];
    const second = await destinations();
    expect(second.map((row) => row.id)).toEqual(first.map((row) => row.id));
    for (const row of second) expect(row.url).toBe(`http://127.0.0.1:${String(port)}/webhooks`);
    expect(await countPublished()).toBe(210);
  });

  it('runs until SIGTERM, receives the streamer’s signed webhooks (one retried) and exits 0', async () => {
    await prepareEntities(ctx, demoEntities, 1, `${ctx.topicPrefix}.live`);
    const { schema } = await ctx.createTestDatabase();
    const streamer = await startStreamer({ ...streamerOptions(ctx, schema), topicPrefix: `${ctx.topicPrefix}.live` });
    try {
      const env = environment(schema, { DESTINATION_ALLOWED_HOSTS: '127.0.0.1', TOPIC_PREFIX: `${ctx.topicPrefix}.live` });
      const run = await evpDemo(['--rate', '40/s', '--receiver-port', '0', '--seed', '11'], env, (child, stderr) => {
        // Stop once a delivery the receiver refused has come back and been accepted.
        void waitFor(
          () => Promise.resolve(stderr()),
          (text) => /"attempt":2,"status":200,"msg":"delivery received"/.test(text),
          120_000,
          'a retried delivery',
        )
          .finally(() => child.kill('SIGTERM'))
          .catch(() => undefined);
      });
      expect(run.code, run.stderr.slice(-2_000)).toBe(0);
      const deliveries = run.logs.filter((line) => line['msg'] === 'delivery received');
      expect(deliveries.length).toBeGreaterThan(10);
      for (const delivery of deliveries) {
        expect(delivery).toMatchObject({
          verified: true,
          webhookId: expect.stringMatching(/^dlv_/),
          eventId: expect.stringMatching(/^evt_/),
        });
        expect(['org_acme', 'org_globex', 'org_initech']).toContain(delivery['organization']);
      }
      const refused = deliveries.filter((line) => line['status'] === 503);
      expect(refused.length).toBeGreaterThan(0);
      const retried = deliveries.find((line) => line['attempt'] === 2);
      expect(refused.map((line) => line['webhookId'])).toContain(retried?.['webhookId']);
      expect(run.logs.find((line) => line['msg'] === 'demo finished')).toMatchObject({ published: expect.any(Number) });
    } finally {
      await streamer.stop();
    }
  });

  it('refuses a bad --rate with exit code 1 and a message naming --rate', async () => {
    const run = await evpDemo(['--rate', 'fast', '--no-receiver'], environment('unused'));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('--rate');
  });
});
