import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { projectRoot } from '../../adapters/project-root.js';
import type { TestContext } from './index.js';

/**
 * An `evp` service as its own process, the way it runs in production, for tests that SIGKILL it:
 * Node itself with tsx's loader, not the tsx command (that one runs Node as a child, which a
 * SIGKILL would orphan). It gets the test stack's variables, `env` on top, and listens on `port`
 * (0: any). stdout is dropped and stderr shown unless `output` is `pipe`. The caller kills what it
 * spawns.
 */
export function spawnEvp(
  ctx: TestContext,
  command: 'api' | 'materializer' | 'streamer',
  options: { readonly env?: Record<string, string>; readonly port?: number; readonly output?: 'inherit' | 'pipe' } = {},
): ChildProcess {
  const root = projectRoot();
  return spawn(process.execPath, ['--import', 'tsx', path.join(root, 'cli', 'evp.ts'), command, '--port', String(options.port ?? 0)], {
    cwd: root,
    env: { ...process.env, ...ctx.env, ...options.env },
    stdio: options.output === 'pipe' ? ['ignore', 'pipe', 'pipe'] : ['ignore', 'ignore', 'inherit'],
  });
}

/**
 * `evp streamer` over `schema`, in the consumer group `group`, allowed to reach 127.0.0.1, with
 * quick retries and timeouts; `env` adds or overrides variables.
 */
export function spawnStreamerProcess(ctx: TestContext, schema: string, group: string, env: Record<string, string> = {}): ChildProcess {
  return spawnEvp(ctx, 'streamer', {
    env: {
      DATABASE_SCHEMA: schema,
      STREAMER_GROUP: ctx.groupId(group),
      DESTINATION_ALLOWED_HOSTS: '127.0.0.1',
      STREAMER_RETRY_SCHEDULE_MS: '0,200,400,800,800,800',
      STREAMER_TIMEOUT_MS: '2000',
      STREAMER_MAX_CONCURRENCY: '4',
      ...env,
    },
  });
}
