import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStreamer, type Streamer } from '../../consumers/streamer/index.js';
import { projectRoot } from '../../adapters/project-root.js';
import { startApiStack } from '../api/setup.js';
import { useTestContext } from '../harness/index.js';
import { streamerOptions } from '../harness/streamer.js';
import { startWebhookReceiver, type WebhookReceiver } from '../harness/webhook-receiver.js';

const ctx = useTestContext('java_client');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end; its exit code and output are the test's to read. */
function run(command: string, args: string[], timeoutMs: number): Promise<Run> {
  return new Promise((resolve) => {
    execFile(command, args, { maxBuffer: 64 * 1024 * 1024, timeout: timeoutMs }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
    });
  });
}

let stack: Awaited<ReturnType<typeof startApiStack>>;
let streamer: Streamer;
let receiver: WebhookReceiver;
// The document, and Maven's build of the client from it (a few MB of generated sources).
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'evp-java-client-'));

beforeAll(async () => {
  stack = await startApiStack(ctx);
  streamer = await startStreamer(streamerOptions(ctx, stack.schema));
  receiver = await startWebhookReceiver({ path: '/hooks' });
});

afterAll(async () => {
  await receiver?.close();
  await streamer?.stop();
  await stack?.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

interface Line {
  step: string;
  value: Record<string, unknown>;
}

describe('the Java client generated from the OpenAPI document', () => {
  // The first build fetches OpenAPI Generator and the client's libraries from Maven Central into ~/.m2.
  it('publishes events, lists them back, creates a webhook destination and reads its delivery log', async () => {
    const spec = path.join(work, 'openapi.json');
    const build = path.join(work, 'build');
    fs.writeFileSync(spec, await (await fetch(`${stack.api.url}/openapi.json`)).text());

    const pom = path.join(projectRoot(), 'clients', 'java', 'pom.xml');
    const maven = await run('mvn', ['-q', '-B', '-f', pom, `-Dopenapi.spec=${spec}`, `-Dclient.build=${build}`, 'package'], 540_000);
    expect(maven.code, maven.stdout.slice(-4000)).toBe(0);

    const classpath = `${path.join(build, 'classes')}${path.delimiter}${fs.readFileSync(path.join(build, 'classpath.txt'), 'utf8').trim()}`;
    const key = await stack.key('org_java');
    const example = await run('java', ['-cp', classpath, 'dev.eventpipeline.example.Example', stack.api.url, key, receiver.url], 120_000);
    expect(example.code, example.stderr).toBe(0);

    const lines = example.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Line);
    const step = (name: string) => lines.find((line) => line.step === name)?.value ?? {};
    expect(lines.map((line) => line.step)).toEqual(['organization', 'destination', 'published_batch', 'published', 'listed', 'deliveries']);
    expect(step('organization')['id']).toBe('org_java');

    const batch = step('published_batch')['data'] as { id: string; type: string; status: string }[];
    expect(batch.map((receipt) => [receipt.type, receipt.status])).toEqual([
      ['customer.created', 'published'],
      ['customer.updated', 'published'],
    ]);
    const single = step('published') as { id: string; type: string };
    expect(single.type).toBe('customer.deleted');
    const published = [...batch.map((receipt) => receipt.id), single.id];

    const listed = step('listed') as unknown as { id: string; type: string; organization_id: string; entity_type: string }[];
    expect(listed.map((event) => event.id).sort()).toEqual([...published].sort());
    expect(new Set(listed.map((event) => `${event.organization_id} ${event.entity_type}`))).toEqual(new Set(['org_java customer']));
    expect(listed.map((event) => event.type).sort()).toEqual(['customer.created', 'customer.deleted', 'customer.updated']);

    const destination = step('destination');
    expect(destination).toMatchObject({
      object: 'destination',
      type: 'webhook',
      event_types: ['customer.*'],
      webhook: { url: receiver.url },
    });
    // A streamer runs here, so each event is delivered to the receiver and shows in the log.
    const log = step('deliveries') as { object: string; data: { destination_id: string; event_id: string; status: string }[] };
    expect(log.object).toBe('list');
    expect(log.data.map((delivery) => [delivery.destination_id, delivery.status])).toEqual(
      published.map(() => [destination['id'], 'delivered']),
    );
    expect(log.data.map((delivery) => delivery.event_id).sort()).toEqual([...published].sort());
    expect(receiver.received.map((request) => (request.json as { id: string }).id).sort()).toEqual([...published].sort());
  }, 600_000);
});
