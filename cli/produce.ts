import fs from 'node:fs';
import readline from 'node:readline';
import { Command, Option } from 'commander';
import { InputError, PipelineError, coerceError } from '../adapters/errors.js';
import { createKafka } from '../adapters/kafka/index.js';
import type { EventInput } from '../core/build-event.js';
import { eventSeverities, eventSources } from '../core/event-schema.js';
import { createPublisher } from '../producers/publisher.js';
import type { Publisher, PublishResult } from '../producers/types.js';
import { commandContext, readJsonArgument } from './context.js';

interface ProduceOptions {
  org?: string;
  entityId?: string;
  data?: string;
  previous?: string;
  source?: EventInput['source'];
  severity?: EventInput['severity'];
  requestId?: string;
  actor?: string;
  occurredAt?: string;
  file?: string;
  service: string;
  autoRegister?: boolean;
}

/**
 * `evp produce <type> --org … --data …` publishes one event; `evp produce --file events.ndjson`
 * publishes one per line (`{"type": …, "organization_id": …, "data": …}`), reporting a bad line
 * with its number and sending the rest. Each sent event prints as a JSON line with its offset.
 */
export function produceCommand(): Command {
  return new Command('produce')
    .description('publish events: one from flags, or one per line of an NDJSON file ("-" for stdin)')
    .argument('[type]', 'event type, e.g. invoice.paid')
    .option('--org <org>', 'organization_id of the event')
    .option('--entity-id <id>', 'entity id (defaults to data.id; must equal it)')
    .option('--data <json|@file>', 'the entity as it is after the event')
    .option('--previous <json|@file>', 'previous_attributes: changed fields as they were (updates only)')
    .addOption(new Option('--source <source>', 'what triggered it (default: the catalogue’s)').choices(eventSources))
    .addOption(new Option('--severity <severity>', 'default: the catalogue’s').choices(eventSeverities))
    .option('--request-id <id>', 'the API request that caused it')
    .option('--actor <actor>', 'who or which service made the change')
    .option('--occurred-at <time>', 'RFC 3339 time (default: now)')
    .option('--file <path>', 'NDJSON file of events, one per line; "-" reads stdin')
    .option('--service <name>', 'the publishing service, in ce_source', 'evp-cli')
    .option('--auto-register', 'register a schema the registry lacks (development)')
    .action(async (type: string | undefined, options: ProduceOptions) => {
      const { config, endpoints, logger } = commandContext('produce');
      if (options.file !== undefined && type !== undefined)
        throw new InputError('give either an event type with flags or --file, not both');
      if (options.file === undefined && type === undefined)
        throw new InputError('give an event type (evp produce invoice.paid --org … --data …) or --file events.ndjson');
      const single = options.file === undefined ? singleEvent(options) : undefined;
      // A short connection budget: at a terminal, an unreachable broker should be said within seconds.
      const kafka = createKafka({
        brokers: endpoints.kafkaBrokers,
        security: endpoints.kafkaSecurity,
        clientId: `evp-produce-${options.service}`,
        logger,
        retry: { retries: 3 },
      });
      const publisher = createPublisher(config, { service: options.service, autoRegister: options.autoRegister === true, logger, kafka });
      try {
        if (single) printResult(await publisher.publishUntyped(type as string, single));
        else await produceFile(publisher, options.file as string);
      } finally {
        await publisher.close();
      }
    });
}

function singleEvent(options: ProduceOptions): EventInput {
  if (options.org === undefined) throw new InputError('--org is required: the organization the event belongs to');
  if (options.data === undefined) throw new InputError('--data is required: the entity as JSON, or @file');
  return {
    organization_id: options.org,
    entity_id: options.entityId,
    data: readJsonArgument('--data', options.data) as EventInput['data'],
    previous_attributes:
      options.previous === undefined ? undefined : (readJsonArgument('--previous', options.previous) as EventInput['previous_attributes']),
    source: options.source,
    severity: options.severity,
    request_id: options.requestId,
    actor: options.actor,
    occurred_at: options.occurredAt,
  };
}

function printResult(result: PublishResult, line?: number): void {
  process.stdout.write(`${JSON.stringify({ ...(line === undefined ? {} : { line }), ...result })}\n`);
}

/** At most this many events of a file are in flight; the publisher's buffer bounds the bytes. */
const maxInFlight = 5_000;

async function produceFile(publisher: Publisher, file: string): Promise<void> {
  let input: NodeJS.ReadableStream;
  if (file === '-') input = process.stdin;
  else {
    if (!fs.existsSync(file)) throw new InputError(`--file ${file}: no such file`);
    input = fs.createReadStream(file, 'utf8');
  }
  const inFlight = new Set<Promise<void>>();
  let sent = 0;
  let failed = 0;
  let lineNumber = 0;
  const fail = (line: number, error: unknown) => {
    failed++;
    const err = coerceError(error);
    const code = err instanceof PipelineError ? ` [${err.code}]` : '';
    process.stderr.write(`line ${line}${code}: ${err.message.replaceAll('\n', '\n  ')}\n`);
  };
  for await (const text of readline.createInterface({ input, crlfDelay: Infinity })) {
    lineNumber++;
    const line = lineNumber;
    if (text.trim() === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      fail(line, new InputError(`not valid JSON: ${(error as Error).message}`));
      continue;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || typeof (parsed as { type?: unknown }).type !== 'string') {
      fail(line, new InputError('each line must be a JSON object with a string "type" and the event fields'));
      continue;
    }
    const { type, ...event } = parsed as { type: string } & EventInput;
    const sending = publisher.publishUntyped(type, event).then(
      (result) => {
        sent++;
        printResult(result, line);
      },
      (error: unknown) => fail(line, error),
    );
    inFlight.add(sending);
    void sending.finally(() => inFlight.delete(sending));
    if (inFlight.size >= maxInFlight) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  process.stderr.write(`evp: ${sent} event(s) sent, ${failed} line(s) failed\n`);
  if (failed > 0) process.exitCode = 1;
}
