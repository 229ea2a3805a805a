import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Command, Option } from 'commander';
import { InputError } from '../adapters/errors.js';
import { dataSettings } from '../adapters/settings/data.js';
import { loadGroups } from '../adapters/settings/setting.js';
import { createWebhookSecret, signatureHeader } from '../core/webhook-signature.js';
import { apiClient, connectionOptions, type ConnectionOptions } from './api-client.js';
import { readSse, type SseMessage } from './sse-reader.js';

interface ListenOptions extends ConnectionOptions {
  readonly forwardTo?: string;
  readonly events?: string;
  readonly entityType?: string;
  readonly severity?: string;
  readonly printSecret?: boolean;
}

/** How long a forward may take before it counts as failed, and the longest wait between tries. */
const forwardTimeoutMs = 15_000;
const maxBackoffMs = 10_000;

/**
 * `evp listen --forward-to <url>`: the organization's live events, as the API's live tail has
 * them, each POSTed to a local URL signed as a webhook destination would sign it (Standard
 * Webhooks, under a local secret kept in the data directory, so a receiver keeps working across
 * runs). Nothing is created on the server: when it stops, nothing is left behind. Events are
 * forwarded one at a time in order; a target that cannot be reached is tried again until it
 * answers, and a dropped tail is resumed after the last event forwarded, so nothing is lost.
 */
export function listenCommand(): Command {
  const command = new Command('listen')
    .description('forward the live events to a local URL, signed like a webhook destination (nothing is created on the server)')
    .option('--forward-to <url>', 'where to POST each event, e.g. http://127.0.0.1:4242/webhooks')
    .option('--events <types>', "event types or patterns, comma-separated: 'invoice.*,customer.created' (default: all)")
    .option('--entity-type <type>', 'only events of this entity type')
    .option('--severity <severities>', 'only these severities, comma-separated')
    .option('--print-secret', 'print the signing secret the forwarded events carry, then exit');
  for (const option of connectionOptions()) command.addOption(option);
  command.addOption(new Option('--secret-file <path>', 'where the local signing secret is kept').hideHelp());
  return command.action(async (options: ListenOptions & { secretFile?: string }) => {
    // Only the data directory: the command talks to the API, not to Kafka or PostgreSQL.
    const { dataDir } = loadGroups(process.env, [dataSettings]);
    const secret = localSecret(options.secretFile ?? path.join(dataDir, 'listen-secret'));
    if (options.printSecret) {
      process.stdout.write(`${secret}\n`);
      return;
    }
    const target = forwardTarget(options.forwardTo);
    const client = apiClient(options);
    const query = new URLSearchParams();
    if (options.events) query.set('type', options.events);
    if (options.entityType) query.set('entity_type', options.entityType);
    if (options.severity) query.set('severity', options.severity);

    const stop = new AbortController();
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stop.abort());
    process.stdout.write(`Ready: forwarding events to ${target.href}. Your webhook signing secret is ${secret} (Ctrl-C to quit)\n`);

    let lastId: string | undefined;
    let backoffMs = 500;
    while (!stop.signal.aborted) {
      try {
        for await (const message of readSse(`${client.url}/api/v1/events/stream?${query.toString()}`, {
          key: options.key ?? '',
          lastEventId: lastId,
          signal: stop.signal,
        })) {
          if (message.event === 'error') throw new Error(`the API ended the tail: ${message.data}`);
          if (message.id === undefined || message.event !== 'message') continue;
          await forward(target, secret, message, stop.signal);
          lastId = message.id;
          backoffMs = 500;
        }
      } catch (error) {
        if (stop.signal.aborted) break;
        if (error instanceof InputError) throw error;
        process.stderr.write(`evp listen: the live tail stopped (${(error as Error).message}); resuming in ${backoffMs} ms\n`);
      }
      await sleep(backoffMs, undefined, { signal: stop.signal }).catch(() => undefined);
      backoffMs = Math.min(backoffMs * 2, maxBackoffMs);
    }
  });
}

/** The secret of earlier runs, or a new one kept (0600) for the next. */
function localSecret(file: string): string {
  const kept = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : '';
  if (kept.startsWith('whsec_')) return kept;
  const secret = createWebhookSecret();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

function forwardTarget(given: string | undefined): URL {
  if (given === undefined)
    throw new InputError('--forward-to is required: the URL to POST each event to, e.g. http://127.0.0.1:4242/webhooks');
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    throw new InputError(`--forward-to must be a URL such as http://127.0.0.1:4242/webhooks, got ${JSON.stringify(given)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InputError(`--forward-to must be an http or https URL, got ${JSON.stringify(given)}`);
  }
  return url;
}

/**
 * POSTs one event, signed, and prints what the target answered. Any answer counts, 2xx or not,
 * as it does for a webhook (the line shows it); only a target that cannot be reached is tried
 * again, until it answers or the command stops.
 */
async function forward(target: URL, secret: string, message: SseMessage, signal: AbortSignal): Promise<void> {
  const event = JSON.parse(message.data) as { id: string; type: string };
  let waitMs = 500;
  for (;;) {
    const timestamp = Math.floor(Date.now() / 1000);
    const started = Date.now();
    try {
      const response = await fetch(target, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'webhook-id': event.id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signatureHeader([secret], event.id, timestamp, message.data),
        },
        body: message.data,
        signal: AbortSignal.any([signal, AbortSignal.timeout(forwardTimeoutMs)]),
      });
      await response.body?.cancel();
      process.stdout.write(
        `${new Date().toISOString()}  ${event.type}  ${event.id}  <-- [${response.status}] POST ${target.href} (${Date.now() - started} ms)\n`,
      );
      return;
    } catch (error) {
      if (signal.aborted) throw error;
      process.stderr.write(
        `${new Date().toISOString()}  ${event.type}  ${event.id}  cannot reach ${target.href} (${describe(error)}); trying again in ${waitMs} ms\n`,
      );
      await sleep(waitMs, undefined, { signal });
      waitMs = Math.min(waitMs * 2, maxBackoffMs);
    }
  }
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string } }).cause;
  return cause?.code ?? (error as Error).message;
}
