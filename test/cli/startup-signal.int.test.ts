import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../adapters/project-root.js';
import { useTestContext } from '../harness/index.js';
import { keepServiceOutput } from '../harness/log-sink.js';

const ctx = useTestContext('startup-signal');
const children: ChildProcess[] = [];
const servers: net.Server[] = [];
const sockets: net.Socket[] = [];

/** A liveness bound, not a speed target: how long a service may take to exit after SIGTERM. */
const exitCeilingMs = 30_000;

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const socket of sockets) socket.destroy();
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
});

interface Run {
  readonly child: ChildProcess;
  output(): string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * `evp <args>` as its own process, as production runs it: Node with tsx's loader (the tsx command
 * would run Node as a child, and the signal would reach the wrapper). Its stderr is kept for the
 * run's secrets audit.
 */
function spawnEvp(args: readonly string[], env: Record<string, string>): Run {
  const root = projectRoot();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'cli', 'evp.ts'), ...args], {
    cwd: root,
    env: { ...process.env, ...ctx.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'exit').then(([code, signal]) => {
    keepServiceOutput(output);
    return { code: code as number | null, signal: signal as NodeJS.Signals | null };
  });
  return { child, output: () => output, exited };
}

async function untilOutput(run: Run, pattern: RegExp, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(run.output())) {
    if (run.child.exitCode !== null) throw new Error(`evp exited before logging ${pattern}:\n${run.output()}`);
    if (Date.now() > deadline) throw new Error(`evp did not log ${pattern} within ${timeoutMs} ms:\n${run.output()}`);
    await sleep(100);
  }
}

async function exitWithin(run: Run, ms: number) {
  const timer = sleep(ms).then(() => 'still running' as const);
  const result = await Promise.race([run.exited, timer]);
  if (result === 'still running') throw new Error(`evp still runs ${ms} ms after SIGTERM:\n${run.output()}`);
  return result;
}

/** A port on 127.0.0.1 where nothing listens: bound by the OS, then released. */
async function closedPort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

/** A server that accepts connections and never answers, as a host that hangs; resolves its port and its first connection. */
async function silentServer(): Promise<{ port: number; connected: Promise<unknown> }> {
  const server = net.createServer((socket) => sockets.push(socket.on('error', () => undefined)));
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as net.AddressInfo).port, connected: once(server, 'connection') };
}

/** A connection string with a password, so the audit would see it if a service printed it. */
const databaseAt = (port: number) => `postgres://postgres:startup-signal-password@127.0.0.1:${port}/event_pipeline`;

describe('services stop on SIGTERM during start-up', () => {
  it.each(['materializer', 'streamer'])('evp %s exits on SIGTERM while PostgreSQL is unreachable', async (service) => {
    const run = spawnEvp([service, '--port', '0'], { DATABASE_URL: databaseAt(await closedPort()) });
    await untilOutput(run, /PostgreSQL is unreachable; waiting for it/);
    run.child.kill('SIGTERM');
    expect(await exitWithin(run, exitCeilingMs)).toEqual({ code: 0, signal: null });
    expect(run.output()).toContain('stopped during start-up');
    expect(run.output()).not.toContain('startup-signal-password');
  });

  it('evp materializer exits on SIGTERM while it waits for its topics', async () => {
    const { schema } = await ctx.createTestDatabase();
    const run = spawnEvp(['materializer', '--port', '0'], { DATABASE_SCHEMA: schema, MATERIALIZER_GROUP: ctx.groupId('startup') });
    await untilOutput(run, /no entity topics yet; waiting/);
    run.child.kill('SIGTERM');
    expect(await exitWithin(run, exitCeilingMs)).toEqual({ code: 0, signal: null });
    expect(run.output()).toContain('stopped during start-up');
  });

  it('evp api exits on SIGTERM while its database does not answer', async () => {
    const database = await silentServer();
    const run = spawnEvp(['api', '--port', '0'], { DATABASE_URL: databaseAt(database.port) });
    await database.connected;
    run.child.kill('SIGTERM');
    expect(await exitWithin(run, exitCeilingMs)).toEqual({ code: 0, signal: null });
    expect(run.output()).toContain('stopped during start-up');
    expect(run.output()).not.toContain('startup-signal-password');
  });
});
