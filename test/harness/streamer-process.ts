import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { projectRoot } from '../../adapters/project-root.js';
import type { TestContext } from './index.js';

/**
 * `evp streamer` as its own process, for tests that SIGKILL it: Node with tsx's loader, so the
 * signal reaches the streamer itself. Over `schema`, in the consumer group `group`, allowed to
 * reach 127.0.0.1; `env` adds or overrides variables. The caller kills what it spawns.
 */
export function spawnStreamerProcess(ctx: TestContext, schema: string, group: string, env: Record<string, string> = {}): ChildProcess {
  const root = projectRoot();
  return spawn(process.execPath, ['--import', 'tsx', path.join(root, 'cli', 'evp.ts'), 'streamer', '--port', '0'], {
    cwd: root,
    env: {
      ...process.env,
      ...ctx.env,
      DATABASE_SCHEMA: schema,
      STREAMER_GROUP: ctx.groupId(group),
      DESTINATION_ALLOWED_HOSTS: '127.0.0.1',
      STREAMER_RETRY_SCHEDULE_MS: '0,200,400,800,800,800',
      STREAMER_TIMEOUT_MS: '2000',
      STREAMER_MAX_CONCURRENCY: '4',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}
