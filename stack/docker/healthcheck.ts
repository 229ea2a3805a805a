import fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import { loadApiConfig, loadMaterializerConfig, loadStreamerConfig } from '../../adapters/config.js';

/**
 * The Docker image's HEALTHCHECK (`node dist/stack/docker/healthcheck.js`). One image runs any
 * `evp` command, so this finds the command the container runs and asks that service's
 * `GET /healthz` on the port it reads (API_PORT, MATERIALIZER_PORT or STREAMER_PORT, or its
 * `--port`). Commands with no health endpoint (the demo, one-off setup and key commands) pass.
 */

/**
 * Each service's port, read from the environment as that service reads its own settings (only its
 * setting groups): a setting of another service that is wrong does not fail this one's check.
 */
const servicePorts: Record<string, (env: NodeJS.ProcessEnv) => number> = {
  api: (env) => loadApiConfig(env).apiPort,
  materializer: (env) => loadMaterializerConfig(env).materializer.port,
  streamer: (env) => loadStreamerConfig(env).streamer.port,
};

/** The `/healthz` URL of the service an `evp` command line runs, or undefined when it has none. */
export function healthUrl(args: readonly string[], env: NodeJS.ProcessEnv = process.env): string | undefined {
  const cli = args.findIndex((arg) => /(^|\/)evp(\.js)?$/.test(arg));
  if (cli < 0) return undefined;
  const command = args[cli + 1];
  const rest = args.slice(cli + 2);
  const flag = rest.findIndex((arg) => arg === '--port' || arg.startsWith('--port='));
  const given = flag < 0 ? undefined : (rest[flag]?.split('=')[1] ?? rest[flag + 1]);
  const portOf = command === undefined ? undefined : servicePorts[command];
  if (portOf === undefined) return undefined;
  const port = given === undefined ? portOf(env) : Number(given);
  // Port 0 is any free port: nothing to ask.
  if (!Number.isInteger(port) || port <= 0) return undefined;
  return `http://127.0.0.1:${port}/healthz`;
}

/** The command line of the container's `evp` process (PID 1 unless an init runs first). */
function evpCommandLine(): string[] {
  const pids = fs.readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
  for (const pid of pids.sort((a, b) => Number(a) - Number(b))) {
    if (Number(pid) === process.pid) continue;
    try {
      const args = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
      if (args.some((arg) => /(^|\/)evp(\.js)?$/.test(arg))) return args;
    } catch {
      // The process ended meanwhile.
    }
  }
  return [];
}

async function main(): Promise<number> {
  const url = healthUrl(evpCommandLine());
  if (url === undefined) return 0;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(4000) });
    process.stdout.write(`GET ${url}: ${response.status} ${await response.text()}\n`);
    return response.ok ? 0 : 1;
  } catch (error) {
    process.stdout.write(`GET ${url}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main();
}
