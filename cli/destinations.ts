import fs from 'node:fs';
import { Command, Option } from 'commander';
import type { Static } from 'typebox';
import { InputError } from '../adapters/errors.js';
import type { DeliveryObject, DeliveryWithAttempts, DestinationObject, DestinationSecret, ReplayResult } from '../api/index.js';
import { destinationKinds, settingsOf, targetOf, type CliFlag, type DestinationKind } from '../destinations/index.js';
import { apiClient, connectionOptions, type ApiClient, type ConnectionOptions } from './api-client.js';

/**
 * `evp destinations …`: the Events API's destination and delivery endpoints from the command line.
 * Flags become the request body as they are; the API checks every value and its error names the
 * parameter (and here also the flag). Only what the CLI must read itself is checked here: numbers,
 * `--header name:value`, `--active true|false`, and which settings a `--type` takes.
 */
export function destinationsCommand(kinds: readonly DestinationKind[] = destinationKinds): Command {
  const destinations = new Command('destinations').description(
    'manage destinations and their deliveries through the Events API (needs `evp api` and a key)',
  );

  destinations.addCommand(
    settingsOptions(
      new Command('create')
        .description("create a destination; a webhook's signing secret is printed once, alone on the last line")
        .addOption(new Option('--type <type>', 'what receives the events').choices(kinds.map((kind) => kind.name)).makeOptionMandatory())
        .requiredOption('--event-types <list>', 'types and patterns subscribed to, comma-separated: invoice.paid,invoice.*,*', parseList),
      'create',
      kinds,
    ).action(async (options: SettingsFlags & Connected & { type: string }) => {
      const body = { type: options.type, ...destinationBody(options, kinds, options.type) };
      const created = await client(options, kinds).request<Destination>('POST', '/api/v1/destinations', { body });
      if (options.json) return printJson(created);
      printDestination(created);
      printSecret(created, 'created');
    }),
  );

  destinations.addCommand(
    new Command('list')
      .description('list the destinations, newest first')
      .option('--limit <n>', 'how many, 1 to 100 (default 20)', parseInteger('--limit'))
      .option('--starting-after <id>', 'the page after this destination (the last id of the previous page)')
      .action(async (options: Connected & { limit?: number; startingAfter?: string }) => {
        const page = await client(options, kinds).request<Page<Destination>>('GET', '/api/v1/destinations', {
          query: { limit: options.limit, starting_after: options.startingAfter },
        });
        if (options.json) return printJson(page);
        if (page.data.length === 0) {
          line(options.startingAfter ? 'no more destinations' : 'no destinations; create one with `evp destinations create`');
          return;
        }
        table(
          ['ID', 'TYPE', 'STATE', 'EVENT TYPES', 'TARGET', 'DESCRIPTION'],
          page.data.map((d) => [d.id, d.type, state(d), d.event_types.join(','), target(d, kinds), d.description ?? '-']),
        );
        if (page.has_more) line(`more: evp destinations list --starting-after ${page.data.at(-1)?.id ?? ''}`);
      }),
  );

  destinations.addCommand(
    new Command('get')
      .description('show one destination (never its secret)')
      .argument('<id>', 'a destination id (dst_…)')
      .action(async (id: string, options: Connected) => {
        const destination = await client(options, kinds).request<Destination>('GET', `/api/v1/destinations/${segment(id)}`);
        if (options.json) return printJson(destination);
        printDestination(destination);
      }),
  );

  destinations.addCommand(
    settingsOptions(
      new Command('update')
        .description(
          "change the given fields; the type's settings merge field by field ('' clears --description, --severities, --entity-types)",
        )
        .argument('<id>', 'a destination id (dst_…)')
        .option('--event-types <list>', 'types and patterns subscribed to, comma-separated', parseList)
        .addOption(
          new Option('--active <true|false>', 'enable or pause it (true also re-enables a disabled one)').argParser(
            parseBoolean('--active'),
          ),
        ),
      'update',
      kinds,
    ).action(async (id: string, options: SettingsFlags & Connected & { active?: boolean }) => {
      if (options.inactive && options.active === true) throw new InputError('--inactive and --active true contradict each other');
      const body = destinationBody(options, kinds);
      if (options.active !== undefined) body['active'] = options.active;
      if (Object.keys(body).length === 0)
        throw new InputError('nothing to change: give at least one flag (see `evp destinations update --help`)');
      await changed(options, kinds, 'PATCH', `/api/v1/destinations/${segment(id)}`, body);
    }),
  );

  destinations.addCommand(
    new Command('pause')
      .description('stop sending events to a destination (active: false)')
      .argument('<id>', 'a destination id (dst_…)')
      .action((id: string, options: Connected) =>
        changed(options, kinds, 'PATCH', `/api/v1/destinations/${segment(id)}`, { active: false }),
      ),
  );

  destinations.addCommand(
    new Command('resume')
      .description('deliver to a paused or disabled destination again (active: true)')
      .argument('<id>', 'a destination id (dst_…)')
      .action((id: string, options: Connected) =>
        changed(options, kinds, 'PATCH', `/api/v1/destinations/${segment(id)}`, { active: true }),
      ),
  );

  destinations.addCommand(
    new Command('delete')
      .description('delete a destination (its deliveries keep pointing at it)')
      .argument('<id>', 'a destination id (dst_…)')
      .action(async (id: string, options: Connected) => {
        const answer = await client(options, kinds).request<{ id: string }>('DELETE', `/api/v1/destinations/${segment(id)}`);
        if (options.json) return printJson(answer);
        line(`deleted ${answer.id}`);
      }),
  );

  destinations.addCommand(
    new Command('rotate-secret')
      .description('give a webhook a new signing secret, printed once; the old one stays valid for the grace period')
      .argument('<id>', 'a webhook destination id (dst_…)')
      .option('--grace-hours <n>', 'hours the old secret stays valid, 0 to 168 (default 24)', parseInteger('--grace-hours'))
      .action(async (id: string, options: Connected & { graceHours?: number }) => {
        const rotated = await client(options, kinds).request<Destination>('POST', `/api/v1/destinations/${segment(id)}/rotate-secret`, {
          body: options.graceHours === undefined ? {} : { grace_period_hours: options.graceHours },
        });
        if (options.json) return printJson(rotated);
        printDestination(rotated);
        printSecret(rotated, 'rotated');
      }),
  );

  destinations.addCommand(
    new Command('reveal-secret')
      .description("print a webhook's signing secret (and the previous one while its grace period lasts)")
      .argument('<id>', 'a webhook destination id (dst_…)')
      .action(async (id: string, options: Connected) => {
        const revealed = await client(options, kinds).request<Static<typeof DestinationSecret>>(
          'GET',
          `/api/v1/destinations/${segment(id)}/secret`,
        );
        if (options.json) return printJson(revealed);
        if (revealed.previous_secret !== null)
          line(`previous secret, valid until ${revealed.previous_secret_expires_at}: ${revealed.previous_secret}`);
        line(revealed.secret);
      }),
  );

  destinations.addCommand(
    new Command('deliveries')
      .description("list a destination's deliveries, newest first")
      .argument('<destinationId>', 'a destination id (dst_…)')
      .option('--status <status>', 'only pending, needs_retry, delivered or failed')
      .option('--type <event type>', 'only deliveries of this event type')
      .option('--limit <n>', 'how many, 1 to 100 (default 20)', parseInteger('--limit'))
      .option('--starting-after <id>', 'the page after this delivery (the last id of the previous page)')
      .action(async (id: string, options: Connected & { status?: string; type?: string; limit?: number; startingAfter?: string }) => {
        const page = await client(options, kinds).request<Page<Delivery>>('GET', `/api/v1/destinations/${segment(id)}/deliveries`, {
          query: { status: options.status, type: options.type, limit: options.limit, starting_after: options.startingAfter },
        });
        if (options.json) return printJson(page);
        if (page.data.length === 0) {
          line(
            options.startingAfter ? 'no more deliveries' : `no deliveries to ${id}${options.status || options.type ? ' match' : ' yet'}`,
          );
          return;
        }
        table(
          ['ID', 'STATUS', 'EVENT TYPE', 'EVENT', 'ATTEMPTS', 'LAST ATTEMPT', 'NEXT ATTEMPT', 'LAST ERROR'],
          page.data.map((d) => [
            d.id,
            d.status,
            d.event_type,
            d.event_id,
            text(d.times_attempted),
            text(d.last_attempt_at),
            text(d.next_attempt_at),
            oneLine(d.last_error, 60),
          ]),
        );
        if (page.has_more) {
          const filters = `${options.status ? ` --status ${options.status}` : ''}${options.type ? ` --type ${options.type}` : ''}`;
          line(`more: evp destinations deliveries ${id}${filters} --starting-after ${page.data.at(-1)?.id ?? ''}`);
        }
      }),
  );

  destinations.addCommand(
    new Command('delivery')
      .description('show one delivery and its attempts')
      .argument('<deliveryId>', 'a delivery id (dlv_…)')
      .action(async (id: string, options: Connected) => {
        const delivery = await client(options, kinds).request<Static<typeof DeliveryWithAttempts>>(
          'GET',
          `/api/v1/deliveries/${segment(id)}`,
        );
        if (options.json) return printJson(delivery);
        printDelivery(delivery);
      }),
  );

  destinations.addCommand(
    new Command('retry')
      .description('attempt a delivery again now')
      .argument('<deliveryId>', 'a delivery id (dlv_…)')
      .action(async (id: string, options: Connected) => {
        const answer = await client(options, kinds).request<Delivery>('POST', `/api/v1/deliveries/${segment(id)}/retry`);
        if (options.json) return printJson(answer);
        printDelivery(answer);
      }),
  );

  destinations.addCommand(
    new Command('replay')
      .description("deliver a destination's past events again")
      .argument('<destinationId>', 'a destination id (dst_…)')
      .requiredOption('--since <time>', 'from this time, RFC 3339: 2026-11-24T10:30:00Z')
      .option('--until <time>', 'up to this time, RFC 3339 (default now)')
      .option('--status <status>', 'failed (only deliveries that failed) or all')
      .action(async (id: string, options: Connected & { since: string; until?: string; status?: string }) => {
        const body = { since: options.since, ...optional('until', options.until), ...optional('status', options.status) };
        const answer = await client(options, kinds).request<Static<typeof ReplayResult>>(
          'POST',
          `/api/v1/destinations/${segment(id)}/replay`,
          {
            body,
          },
        );
        if (options.json) return printJson(answer);
        line(`replaying ${answer.deliveries} ${answer.deliveries === 1 ? 'delivery' : 'deliveries'} to ${answer.destination_id}`);
      }),
  );

  destinations.addCommand(
    new Command('test')
      .description('send a sample event of a type to a destination now, and show the delivery')
      .argument('<destinationId>', 'a destination id (dst_…)')
      .requiredOption('--type <event type>', 'the sample event type, such as invoice.paid')
      .action(async (id: string, options: Connected & { type: string }) => {
        const delivery = await client(options, kinds).request<Delivery>('POST', `/api/v1/destinations/${segment(id)}/test`, {
          body: { event_type: options.type },
        });
        if (options.json) return printJson(delivery);
        printDelivery(delivery);
      }),
  );

  // The connection flags last, in every subcommand's help.
  for (const command of destinations.commands) connected(command);
  return destinations;
}

interface Connected extends ConnectionOptions {
  readonly json?: boolean;
}

/** The flags of create and update, by commander's name for each (`--timeout-ms` is `timeoutMs`). */
interface SettingsFlags {
  readonly description?: string;
  readonly eventTypes?: string[];
  readonly severities?: string[];
  readonly entityTypes?: string[];
  readonly ordering?: string;
  readonly inactive?: boolean;
  readonly maxConcurrency?: number;
  readonly rateLimit?: number;
  readonly retrySchedule?: number[];
  /** The content filter; null clears it. */
  readonly filter?: Record<string, unknown> | null;
  readonly filterFile?: Record<string, unknown> | null;
  readonly payload?: string | { readonly fields: string[] };
  readonly [typeFlag: string]: unknown;
}

/** The API's answers, as its route schemas declare them. */
type Destination = DestinationObject;
type Delivery = DeliveryObject & { readonly attempts?: Static<typeof DeliveryWithAttempts>['attempts'] };

interface Page<T> {
  readonly data: T[];
  readonly has_more: boolean;
}

/** The flag that sets each API parameter, so that an API error can name it (a type's come from its flags). */
const flagOfParam: Record<string, string> = {
  type: '--type',
  description: '--description',
  active: '--active',
  event_types: '--event-types',
  event_type: '--type',
  severities: '--severities',
  entity_types: '--entity-types',
  ordering: '--ordering',
  max_concurrency: '--max-concurrency',
  rate_limit_per_second: '--rate-limit',
  retry_schedule_ms: '--retry-schedule',
  filter: '--filter',
  payload: '--payload',
  grace_period_hours: '--grace-hours',
  limit: '--limit',
  starting_after: '--starting-after',
  status: '--status',
  since: '--since',
  until: '--until',
};

/** `--timeout-ms <ms>` → `--timeout-ms`. */
const flagName = (flag: CliFlag) => flag.flag.split(' ')[0] ?? flag.flag;

/**
 * A type's flags by parameter: `webhook.url` is `--url`, `webhook.batch` both batch flags, and
 * `webhook` all of them, a group's as one (`--batch-*`).
 */
function typeFlags(kind: DestinationKind): Record<string, string> {
  const byParam: Record<string, string> = {};
  const all: string[] = [];
  for (const flag of kind.flags) {
    const name = flagName(flag);
    byParam[`${kind.name}.${flag.setting}`] = name;
    const [group = flag.setting, inner] = flag.setting.split('.');
    if (inner === undefined) {
      all.push(name);
      continue;
    }
    const param = `${kind.name}.${group}`;
    const before = byParam[param];
    if (before === undefined) all.push(`--${group.replaceAll('_', '-')}-*`);
    byParam[param] = before === undefined ? name : `${before}, ${name}`;
  }
  return { [kind.name]: all.join(', '), ...byParam };
}

/** `webhook.headers.x-team` is set by `--header`: the longest known prefix names the flag. */
function flagOf(param: string, kinds: readonly DestinationKind[]): string | undefined {
  const flags: Record<string, string> = { ...flagOfParam };
  for (const kind of kinds) Object.assign(flags, typeFlags(kind));
  for (let parts = param.split('.'); parts.length > 0; parts = parts.slice(0, -1)) {
    const flag = flags[parts.join('.')];
    if (flag !== undefined) return flag;
  }
  return undefined;
}

function client(options: ConnectionOptions, kinds: readonly DestinationKind[]): ApiClient {
  return apiClient(options, { flagOf: (param) => flagOf(param, kinds) });
}

function connected(command: Command): void {
  command.option('--json', "print the API's JSON answer as it is");
  for (const option of connectionOptions()) command.addOption(option);
}

/** The flags of create and update (update's are all optional); each type's come from its `flags`. */
function settingsOptions(command: Command, mode: 'create' | 'update', kinds: readonly DestinationKind[]): Command {
  const clears = mode === 'update' ? "; '' clears it" : '';
  command
    .option('--description <text>', `a note for people${clears}`)
    .option('--severities <list>', `only these severities, comma-separated: info,warn,critical${clears}`, parseList)
    .option('--entity-types <list>', `only these entity types, comma-separated: invoice,customer${clears}`, parseList)
    .option('--ordering <ordering>', "none or per_entity (holds an entity's later events until its earlier one is settled)")
    .option('--filter <json>', `only events matching this content filter: '{"data.status":"paid"}'${clears}`, parseFilter('--filter'))
    .option('--payload <shape>', 'the body sent: event, cloudevents, or the paths to keep: id,type,data.total_amount', parsePayload)
    .option('--filter-file <path>', 'the content filter from a JSON file', (file: string) =>
      parseFilter('--filter-file')(readValueFile('--filter-file')(file)),
    )
    .option('--inactive', mode === 'create' ? 'create it paused' : 'pause it (as --active false)');
  for (const kind of kinds) for (const flag of kind.flags) command.addOption(typeOption(kind, flag, mode));
  return command
    .option('--max-concurrency <n>', 'deliveries in flight at once', parseInteger('--max-concurrency'))
    .option('--rate-limit <per second>', 'most deliveries per second', parseNumber('--rate-limit'))
    .option(
      '--retry-schedule <ms,ms,...>',
      'delay before each attempt, in ms, comma-separated: 0,60000,600000',
      parseIntegerList('--retry-schedule'),
    );
}

function typeOption(kind: DestinationKind, flag: CliFlag, mode: 'create' | 'update'): Option {
  const description = `${kind.name}: ${mode === 'update' ? (flag.onUpdate ?? flag.description) : flag.description}`;
  const option = new Option(flag.flag, description);
  if (flag.value === 'integer') option.argParser(parseInteger(flagName(flag)));
  else if (flag.value === 'list') option.argParser(parseList);
  else if (flag.value === 'header') option.argParser(parseHeader);
  else if (flag.value === 'boolean') option.argParser(parseBoolean(flagName(flag)));
  else if (flag.value === 'file') option.argParser(readValueFile(flagName(flag)));
  return option;
}

/**
 * The body fields the flags give; nothing else. A type's settings object is sent when one of its
 * flags is (or, on create, always for the destination's own type), so the API names what is
 * missing or does not apply.
 */
export function destinationBody(flags: SettingsFlags, kinds: readonly DestinationKind[], type?: string): Record<string, unknown> {
  const cleared = <T>(value: T | undefined, empty: (value: T) => boolean) =>
    value === undefined ? undefined : empty(value) ? null : value;
  const settings = kinds
    .map((kind) => [kind.name, typeSettings(kind, flags)] as const)
    .filter(([name, fields]) => name === type || Object.keys(fields).length > 0);
  return compact({
    description: cleared(flags.description, (value) => value === ''),
    active: flags.inactive ? false : undefined,
    event_types: flags.eventTypes,
    severities: cleared(flags.severities, (value) => value.length === 0),
    entity_types: cleared(flags.entityTypes, (value) => value.length === 0),
    ordering: flags.ordering,
    ...Object.fromEntries(settings),
    max_concurrency: flags.maxConcurrency,
    rate_limit_per_second: flags.rateLimit,
    retry_schedule_ms: flags.retrySchedule,
    filter: flags.filter !== undefined ? flags.filter : flags.filterFile,
    payload: flags.payload,
  });
}

/** A type's settings from its flags: `batch.max_events` nests, and a group no flag gave is left out. */
function typeSettings(kind: DestinationKind, flags: SettingsFlags): Record<string, unknown> {
  const settings: Record<string, unknown> = {};
  const groups: Record<string, Record<string, unknown>> = {};
  for (const flag of kind.flags) {
    const value = flags[new Option(flag.flag).attributeName()];
    if (value === undefined) continue;
    const [name = flag.setting, inner] = flag.setting.split('.');
    if (inner === undefined) settings[name] = value;
    else settings[name] = groups[name] = { ...groups[name], [inner]: value };
  }
  return settings;
}

/** A PATCH or POST whose answer is the destination. */
async function changed(options: Connected, kinds: readonly DestinationKind[], method: string, path: string, body: unknown): Promise<void> {
  const destination = await client(options, kinds).request<Destination>(method, path, { body });
  if (options.json) return printJson(destination);
  printDestination(destination);
}

function compact(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}

function optional(name: string, value: unknown): Record<string, unknown> {
  return value === undefined ? {} : { [name]: value };
}

/** An id as one path segment, whatever it holds; the API says when it is not an id. */
function segment(id: string): string {
  return encodeURIComponent(id);
}

// ---- flag parsers: only what the CLI must read itself ----

function parseList(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function parseInteger(flag: string) {
  return (value: string): number => {
    const parsed = /^\s*-?\d+\s*$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(parsed)) throw new InputError(`${flag} must be a whole number, got ${JSON.stringify(value)}`);
    return parsed;
  };
}

function parseNumber(flag: string) {
  return (value: string): number => {
    const parsed = value.trim() === '' ? Number.NaN : Number(value);
    if (!Number.isFinite(parsed)) throw new InputError(`${flag} must be a number, got ${JSON.stringify(value)}`);
    return parsed;
  };
}

function parseIntegerList(flag: string) {
  const integer = parseInteger(flag);
  return (value: string): number[] => {
    try {
      return parseList(value).map(integer);
    } catch {
      throw new InputError(
        `${flag} must be whole numbers of ms separated by commas, such as 1000,5000,30000, got ${JSON.stringify(value)}`,
      );
    }
  };
}

function parseBoolean(flag: string) {
  return (value: string): boolean => {
    if (value === 'true') return true;
    if (value === 'false') return false;
    throw new InputError(`${flag} must be true or false, got ${JSON.stringify(value)}`);
  };
}

/**
 * The contents of the file a flag names, without the line break that ends it: a secret read so
 * stays out of the shell's history and the process list. The file's text is never quoted back.
 */
function readValueFile(flag: string) {
  return (file: string): string => {
    try {
      return fs.readFileSync(file, 'utf8').replace(/[\r\n]+$/, '');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new InputError(`${flag} ${JSON.stringify(file)} cannot be read (${code})`);
    }
  };
}

/** `event`, `cloudevents`, or a comma-separated list of paths (a projection). */
function parsePayload(text: string): string | { readonly fields: string[] } {
  const shape = text.trim();
  return shape === 'event' || shape === 'cloudevents' ? shape : { fields: parseList(shape) };
}

/** A content filter's JSON text as an object ('' is null: every event); the API checks its conditions. */
function parseFilter(flag: string) {
  return (text: string): Record<string, unknown> | null => {
    if (text.trim() === '') return null;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new InputError(`${flag} is not JSON (${(error as Error).message}); write it as '{"data.status":"paid"}'`);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value))
      throw new InputError(`${flag} is a JSON object such as '{"data.status":"paid"}'`);
    return value as Record<string, unknown>;
  };
}

function parseHeader(value: string, previous: Record<string, string> | undefined): Record<string, string> {
  const at = value.indexOf(':');
  const name = at < 0 ? '' : value.slice(0, at).trim();
  if (name === '') throw new InputError(`--header must be name:value, such as x-team:billing, got ${JSON.stringify(value)}`);
  return { ...previous, [name]: value.slice(at + 1).trim() };
}

// ---- output ----

function line(text = ''): void {
  process.stdout.write(`${text}\n`);
}

function printJson(answer: unknown): void {
  line(JSON.stringify(answer, null, 2));
}

function text(value: unknown): string {
  if (value === null || value === undefined || value === '') return '-';
  if (Array.isArray(value)) return value.map(text).join(', ');
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value) ?? '-';
}

function oneLine(value: unknown, max: number): string {
  const flat = text(value).replace(/\s+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function table(headers: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)));
  for (const row of [headers, ...rows])
    line(
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    );
}

function fields(pairs: readonly (readonly [string, string])[]): void {
  const width = Math.max(...pairs.map(([label]) => label.length));
  for (const [label, value] of pairs) line(`  ${label.padEnd(width)}  ${value}`);
}

function state(destination: Destination): string {
  if (destination.active) return 'active';
  return destination.disabled_reason ? `disabled (${destination.disabled_reason})` : 'paused';
}

function target(destination: Destination, kinds: readonly DestinationKind[]): string {
  const where = targetOf(destination, kinds);
  if (where === undefined) return '-';
  return where.on === undefined ? text(where.name) : `${text(where.name)} @ ${text(where.on)}`;
}

/** `url`, `headers`, `batch.max_events`: a type's settings, named as in the API. */
function settingLines(settings: Readonly<Record<string, unknown>>, prefix = ''): [string, string][] {
  return Object.entries(settings).flatMap(([name, value]): [string, string][] => {
    if (name === 'headers' && value !== null && typeof value === 'object')
      return [[`${prefix}${name}`, text(Object.entries(value).map(([header, v]) => `${header}: ${text(v)}`))]];
    if (value !== null && typeof value === 'object' && !Array.isArray(value))
      return settingLines(value as Record<string, unknown>, `${prefix}${name}.`);
    // A PEM text is pages long: its certificates are counted instead (`--json` shows them).
    if (typeof value === 'string' && value.includes('-----BEGIN CERTIFICATE-----')) {
      const count = value.split('-----BEGIN CERTIFICATE-----').length - 1;
      return [[`${prefix}${name}`, `${count} PEM certificate${count === 1 ? '' : 's'}`]];
    }
    return [[`${prefix}${name}`, text(value)]];
  });
}

function printDestination(destination: Destination): void {
  line(`${destination.id}  ${destination.type}  ${state(destination)}`);
  const settings = settingsOf(destination) ?? {};
  const extra = (['max_concurrency', 'rate_limit_per_second', 'retry_schedule_ms'] as const)
    .filter((name) => destination[name] !== undefined && destination[name] !== null)
    .map((name): [string, string] => [name.replaceAll('_', ' '), text(destination[name])]);
  fields([
    ['description', text(destination.description)],
    ['event types', text(destination.event_types)],
    ['severities', destination.severities ? text(destination.severities) : 'all'],
    ['entity types', destination.entity_types ? text(destination.entity_types) : 'all'],
    ['ordering', destination.ordering],
    ['filter', destination.filter === null ? 'every event' : JSON.stringify(destination.filter)],
    ['payload', typeof destination.payload === 'string' ? destination.payload : `fields ${destination.payload.fields.join(', ')}`],
    ...settingLines(settings),
    ...extra,
    ...(destination.disabled_at ? [['disabled at', destination.disabled_at] as [string, string]] : []),
    ...(typeof destination.failing_since === 'string' ? [['failing since', destination.failing_since] as [string, string]] : []),
    ...(destination.previous_secret_expires_at
      ? [['old secret valid until', destination.previous_secret_expires_at] as [string, string]]
      : []),
    ['created', destination.created_at],
    ['updated', destination.updated_at],
  ]);
}

/** The secret alone on the last line, so `| tail -1` keeps it. */
function printSecret(destination: Destination, what: 'created' | 'rotated'): void {
  if (destination.secret === undefined) return;
  const old =
    what === 'rotated' && destination.previous_secret_expires_at
      ? `; the old one stays valid until ${destination.previous_secret_expires_at}`
      : '';
  line();
  line(`signing secret, shown only once (store it now; \`evp destinations rotate-secret ${destination.id}\` makes a new one)${old}:`);
  line(destination.secret);
}

function printDelivery(delivery: Delivery): void {
  line(`${delivery.id}  ${delivery.status}  ${delivery.event_type}  ${delivery.event_id}${delivery.test ? '  (test)' : ''}`);
  fields([
    ['destination', text(delivery.destination_id)],
    ...(delivery.entity_type === undefined ? [] : [['entity', `${delivery.entity_type} ${text(delivery.entity_id)}`] as [string, string]]),
    ['attempts', text(delivery.times_attempted)],
    ['last attempt', text(delivery.last_attempt_at)],
    ['next attempt', text(delivery.next_attempt_at)],
    ['delivered', text(delivery.delivered_at)],
    ['created', text(delivery.created_at)],
    ...(delivery.last_status_code === undefined ? [] : [['last status', text(delivery.last_status_code)] as [string, string]]),
    ['last error', text(delivery.last_error)],
  ]);
  const attempts = delivery.attempts ?? [];
  if (attempts.length === 0) return;
  line();
  table(
    ['#', 'ATTEMPTED AT', 'OUTCOME', 'MS', 'STATUS', 'ERROR', 'RESPONSE'],
    attempts.map((attempt, index) => [
      text(attempt.attempt ?? index + 1),
      text(attempt.attempted_at),
      text(attempt.outcome),
      text(attempt.duration_ms),
      text(attempt.status_code),
      oneLine(attempt.error, 60),
      oneLine(attempt.response_body, 60),
    ]),
  );
}
