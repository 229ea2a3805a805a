import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../adapters/project-root.js';
import { startApiStack } from '../api/setup.js';
import { createTestKey, getJson } from '../harness/api.js';
import { useTestContext } from '../harness/index.js';
import { waitFor } from '../harness/materializer.js';
import { startWebhookReceiver, type WebhookReceiver } from '../harness/webhook-receiver.js';

/**
 * `evp listen --forward-to` against the real pipeline: events published through Kafka, stored by
 * the materializer and followed through the API's live tail reach a local receiver signed as a
 * webhook destination signs them, and none is lost while the receiver is down.
 */
const ctx = useTestContext('cli_listen');
const org = 'org_listen';
const root = projectRoot();
const evpArgs = ['--import', 'tsx', path.join(root, 'cli', 'evp.ts')];
let stack: Awaited<ReturnType<typeof startApiStack>>;
let listen: ChildProcess | undefined;
let receiver: WebhookReceiver | undefined;
const secretFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'evp-listen-')), 'secret');

beforeAll(async () => {
  stack = await startApiStack(ctx);
});

afterAll(async () => {
  listen?.kill('SIGKILL');
  await receiver?.close();
  await stack?.stop();
});

function forwardedIds(): string[] {
  return (receiver?.received ?? []).map((request) => request.id);
}

describe('evp listen', () => {
  it('forwards the live events it is asked for, signed, in order, and loses none while the target is down', async () => {
    const key = await createTestKey(stack.pool, org, ['events:read']);
    const env = { ...process.env, ...ctx.env, EVP_API_URL: stack.api.url, EVP_API_KEY: key };
    const secret = (
      await promisify(execFile)(process.execPath, [...evpArgs, 'listen', '--print-secret', '--secret-file', secretFile], { env, cwd: root })
    ).stdout.trim();
    expect(secret).toMatch(/^whsec_/);

    receiver = await startWebhookReceiver({ path: '/hooks' });
    receiver.secret = secret;
    const port = receiver.port;
    listen = spawn(
      process.execPath,
      [...evpArgs, 'listen', '--forward-to', `${receiver.url}`, '--events', 'customer.*', '--secret-file', secretFile],
      {
        env,
        cwd: root,
      },
    );
    let output = '';
    listen.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    listen.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitFor(
      () => Promise.resolve(output),
      (text) => text.includes('Ready'),
      60_000,
      'evp listen to be ready',
    );
    expect(output).toContain(secret);

    const published: string[] = [];
    for (const id of ['cus_listen_1', 'cus_listen_2', 'cus_listen_3'])
      published.push((await stack.publish('customer.created', org, id)).eventId);
    await stack.publish('invoice.created', org, 'inv_listen_ignored');
    await waitFor(
      () => Promise.resolve(forwardedIds()),
      (ids) => ids.length >= 3,
      60_000,
      'three forwarded events',
    );

    // The target goes away; events keep coming.
    await receiver.close();
    for (const id of ['cus_listen_4', 'cus_listen_5', 'cus_listen_6'])
      published.push((await stack.publish('customer.created', org, id)).eventId);
    await waitFor(
      () => Promise.resolve(output),
      (text) => text.includes('cannot reach'),
      60_000,
      'evp listen to notice the target is down',
    );
    const before = receiver.received;
    receiver = await startWebhookReceiver({ port, path: '/hooks' });
    receiver.secret = secret;
    await waitFor(
      () => Promise.resolve(forwardedIds()),
      (ids) => ids.length >= 3,
      60_000,
      'the other three once the target is back',
    );

    const all = [...before, ...receiver.received];
    // Each once; across entities the live tail has them in the order they were stored, which may differ from publish order.
    expect([...all.map((request) => request.id)].sort()).toEqual([...published].sort());
    expect(all.every((request) => request.verified)).toBe(true);
    expect(all.map((request) => (request.json as { type: string }).type)).toEqual(Array(6).fill('customer.created'));
    expect(output).toMatch(/customer\.created {2}evt_\S+ {2}<-- \[204\] POST/);

    const exited = new Promise<number | null>((resolve) => listen?.once('exit', resolve));
    listen.kill('SIGTERM');
    expect(await exited).toBe(0);
    listen = undefined;
    // Nothing was created on the server.
    const destinations = await getJson<{ data: unknown[] }>(`${stack.api.url}/api/v1/destinations`, await stack.key(org));
    expect(destinations.body.data).toEqual([]);
  });

  it('says what is wrong with its flags or its key', async () => {
    const env = { ...process.env, ...ctx.env, EVP_API_URL: stack.api.url };
    const fail = async (...args: string[]) =>
      promisify(execFile)(process.execPath, [...evpArgs, 'listen', '--secret-file', secretFile, ...args], { env, cwd: root }).then(
        () => ({ code: 0, stderr: '' }),
        (error: { code: number; stderr: string }) => error,
      );
    const noTarget = await fail('--key', 'evp_sk_x');
    expect(noTarget.stderr).toContain('--forward-to is required');
    const badTarget = await fail('--forward-to', 'ftp://example.com', '--key', 'evp_sk_x');
    expect(badTarget.stderr).toContain('--forward-to must be an http or https URL');
    const writer = await createTestKey(stack.pool, org, ['destinations:read']);
    const noScope = await fail('--forward-to', 'http://127.0.0.1:9/hooks', '--key', writer);
    expect(noScope.code).toBe(1);
    expect(noScope.stderr).toContain('events:read');
  });
});
