import net from 'node:net';
import { Command, Option } from 'commander';
import { InputError } from '../adapters/errors.js';
import { stackDown } from '../stack/index.js';
import { demoOrganization, preparePipeline } from '../stack/pipeline.js';
import type { RegistryStorage } from '../stack/registry.js';
import { startSupervisor, type ServiceSpec } from '../stack/supervisor.js';
import { commandContext } from './context.js';
import { untilSignal } from './signals.js';
import { secretBoxOf } from '../adapters/secret-key.js';

const pipelineServices = ['materializer', 'streamer', 'api'] as const;
type PipelineService = (typeof pipelineServices)[number];

interface StartOptions {
  services: PipelineService[];
  demo: boolean;
  demoRate: string;
  demoPort: number;
  registryStorage: RegistryStorage;
  readyTimeout: number;
}

/**
 * `evp start` (what `npm start` runs): the stack (schemas kept in PostgreSQL), migrations,
 * topics, schemas and a demo key, then the materializer, the streamer and the API as supervised
 * child processes, and the demo traffic once they are ready. Ctrl-C stops all of it, and the
 * stack services this command started.
 */
export function startCommand(): Command {
  return new Command('start')
    .description('run the whole pipeline (stack, materializer, streamer, API, demo traffic) until Ctrl-C')
    .option('--services <list>', `which services to run, comma-separated: ${pipelineServices.join(',')}`, parseServices, [
      ...pipelineServices,
    ])
    .option('--no-demo', 'do not run the demo traffic and its webhook receiver')
    .option('--demo-rate <rate>', 'events per second the demo publishes, e.g. 20/s', '20/s')
    .option('--demo-port <port>', 'port of the demo webhook receiver', parsePortNumber, 3003)
    .addOption(new Option('--registry-storage <kind>', 'where the schema registry keeps schemas').choices(['sql', 'memory']).default('sql'))
    .option('--ready-timeout <seconds>', 'how long to wait for the services to be ready', parsePositive, 180)
    .action(async (options: StartOptions) => {
      const { config, logger } = commandContext('start');
      const stopRequested = untilSignal(logger);
      const wanted = new Set(options.services);
      const ports: [string, number][] = [];
      if (wanted.has('api')) ports.push(['API_PORT', config.apiPort]);
      if (wanted.has('materializer') && config.materializer.port !== 0) ports.push(['MATERIALIZER_PORT', config.materializer.port]);
      if (wanted.has('streamer') && config.streamer.port !== 0) ports.push(['STREAMER_PORT', config.streamer.port]);
      if (options.demo) ports.push(['--demo-port', options.demoPort]);
      for (const [name, port] of ports) await ensurePortFree(name, port);

      const prepared = await preparePipeline(config, logger, options.registryStorage);
      // Made here, before the services start, so the API and the streamers read one key.
      const madeKey = wanted.has('api') || wanted.has('streamer') || options.demo ? secretBoxOf(config, logger, true).madeFile : undefined;
      const allowed = new Set(config.destinationAllowedHosts);
      if (options.demo) allowed.add('127.0.0.1'); // the demo's receiver is local
      const env = {
        ...process.env,
        DESTINATION_ALLOWED_HOSTS: [...allowed].join(','),
        // The API checks a key made just now against the stored secrets (and drops it if they were sealed with another).
        ...(madeKey === undefined ? {} : { EVP_SECRET_KEY_MADE_NOW: '1' }),
      };
      const base = (port: number) => `http://127.0.0.1:${port}`;
      const specs: ServiceSpec[] = [];
      if (wanted.has('materializer'))
        specs.push({ name: 'materializer', args: ['materializer'], health: `${base(config.materializer.port)}/healthz` });
      if (wanted.has('streamer')) specs.push({ name: 'streamer', args: ['streamer'], health: `${base(config.streamer.port)}/healthz` });
      if (wanted.has('api')) specs.push({ name: 'api', args: ['api'], health: `${base(config.apiPort)}/healthz` });
      const supervisor = startSupervisor({ services: specs, env, logger, pretty: process.stderr.isTTY === true });

      const shutdown = async (code: number) => {
        logger.info('stopping the services');
        await supervisor.stop(30_000);
        await stackDown(config, logger, { only: prepared.stack.started });
        process.exitCode = code;
      };
      const ready = supervisor.ready(options.readyTimeout * 1000).then(
        () => 'ready' as const,
        (error: unknown) => error as Error,
      );
      const first = await Promise.race([ready, stopRequested.then(() => 'signal' as const)]);
      if (first !== 'ready') {
        if (first instanceof Error) logger.error({ err: first }, 'the pipeline did not become ready; stopping');
        await shutdown(first instanceof Error ? 1 : 0);
        return;
      }
      if (options.demo) {
        supervisor.add({
          name: 'demo',
          args: ['demo', '--rate', options.demoRate, '--receiver-port', String(options.demoPort)],
        });
      }
      printReady({ apiPort: config.apiPort, key: prepared.demoKey, services: options.services, options });
      await stopRequested;
      await shutdown(0);
    });
}

function printReady(input: { apiPort: number; key: string; services: readonly PipelineService[]; options: StartOptions }): void {
  const api = `http://127.0.0.1:${input.apiPort}`;
  const lines = ['', 'event-pipeline is ready.', ''];
  if (input.services.includes('api')) {
    lines.push(
      `  Console      ${api}/console/   (sign in with the key below)`,
      `  Events API   ${api}/api/v1/events`,
      `  API docs     ${api}/docs`,
      `  API key      ${input.key}   (organization ${demoOrganization})`,
      '',
      `  curl -s -H "Authorization: Bearer ${input.key}" '${api}/api/v1/events?limit=5'`,
      `  curl -N -H "Authorization: Bearer ${input.key}" '${api}/api/v1/events/stream'`,
    );
  }
  if (input.options.demo)
    lines.push(
      '',
      `  Demo traffic ${input.options.demoRate} across several organizations; deliveries arrive at http://127.0.0.1:${input.options.demoPort}/webhooks`,
    );
  lines.push('', 'Press Ctrl-C to stop everything this command started.', '');
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function ensurePortFree(name: string, port: number): Promise<void> {
  const server = net.createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '0.0.0.0', () => resolve());
    });
  } catch (error) {
    throw new InputError(
      `port ${port} (${name}) is in use (${(error as Error).message}); stop what uses it or set ${name.startsWith('--') ? name : `${name}=<another port>`}`,
      { cause: error },
    );
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function parseServices(value: string): PipelineService[] {
  const names = value
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const unknown = names.filter((name) => !(pipelineServices as readonly string[]).includes(name));
  if (names.length === 0 || unknown.length > 0)
    throw new InputError(`--services takes ${pipelineServices.join(', ')} (comma-separated); got ${JSON.stringify(value)}`);
  return names as PipelineService[];
}

function parsePortNumber(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65_535)
    throw new InputError(`--demo-port must be 1..65535, got ${JSON.stringify(value)}`);
  return port;
}

function parsePositive(value: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0)
    throw new InputError(`--ready-timeout must be a number of seconds, got ${JSON.stringify(value)}`);
  return seconds;
}
