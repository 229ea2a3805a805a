import { Command } from 'commander';
import { demoDefaults, parseDuration, parseInteger, parsePort, parseRate, runDemo } from '../producers/demo/index.js';
import { databaseUrl } from '../stack/index.js';
import { commandContext, parseCount } from './context.js';
import { untilSignal } from './signals.js';

interface DemoFlags {
  rate: string;
  duration?: number;
  count?: number;
  orgs: number;
  seed?: number;
  receiverPort: number;
  receiverHost?: string;
  receiver: boolean;
}

/** `evp demo`: realistic events for several organizations at a steady rate, and a webhook receiver for them. */
export function demoCommand(): Command {
  return new Command('demo')
    .description(
      'publish realistic events (billing, CRM, IoT, catalogue lifecycles) for several organizations at a steady rate, ' +
        'and receive their webhooks on a local receiver; runs until Ctrl-C unless --count or --duration is given',
    )
    .option('--rate <rate>', 'events per second, paced evenly: 20/s, 20 or 600/min', `${demoDefaults.ratePerSecond}/s`)
    .option('--duration <time>', 'stop after this long: 60s, 5m, 1h', parseDuration)
    .option('--count <n>', 'stop after this many events', parseCount('--count'))
    .option(
      '--orgs <n>',
      'how many organizations publish: org_acme, org_globex, org_initech, …',
      parseInteger('--orgs', 1, 100),
      demoDefaults.organizations,
    )
    .option(
      '--seed <n>',
      'seed of the plan: the same seed gives the same lifecycles and data (default: random, logged)',
      parseInteger('--seed', 0, 2 ** 32 - 1),
    )
    .option(
      '--receiver-port <port>',
      'port of the webhook receiver on 127.0.0.1 (0: any free port)',
      parsePort('--receiver-port'),
      demoDefaults.receiverPort,
    )
    .option(
      '--receiver-host <host>',
      'the host the streamer reaches the receiver by (default 127.0.0.1; another host listens on every interface)',
    )
    .option('--no-receiver', 'publish only: no webhook receiver and no demo destinations')
    .action(async (flags: DemoFlags) => {
      const ratePerSecond = parseRate(flags.rate);
      const { config, logger } = commandContext('demo');
      const stop = new AbortController();
      void untilSignal(logger).then(() => stop.abort());
      try {
        await runDemo(
          config,
          {
            ratePerSecond,
            durationMs: flags.duration,
            count: flags.count,
            organizations: flags.orgs,
            seed: flags.seed ?? Math.floor(Math.random() * 2 ** 32),
            receiverPort: flags.receiver ? flags.receiverPort : null,
            receiverHost: flags.receiverHost,
            retryShare: demoDefaults.retryShare,
            progressIntervalMs: demoDefaults.progressIntervalMs,
          },
          { logger, signal: stop.signal, databaseUrl: () => databaseUrl(config, logger) },
        );
      } finally {
        // untilSignal keeps the process alive until a signal comes; after a run that ended on its
        // own (--count, --duration, an error) nothing else should, so leave once evp has reported.
        setTimeout(() => process.exit(), 1_000).unref();
      }
    });
}
