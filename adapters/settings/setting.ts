import { z } from 'zod';
import { redactUrl } from '../../core/redact-url.js';
import { ConfigError } from '../errors.js';

/**
 * One environment variable: the schema that parses its text (its `.default()` is the default),
 * and a one-line doc for the configuration table. `shownDefault` says what an unset variable
 * means when that is not a constant (another setting's value, the local stack's endpoint).
 */
export interface Setting<S extends z.ZodType = z.ZodType> {
  readonly schema: S;
  readonly doc: string;
  readonly shownDefault?: string;
}

export type Settings = Readonly<Record<string, Setting>>;

/** The parsed values of some settings, by variable name. */
export type SettingValues<S extends Settings> = { readonly [K in keyof S]: z.output<S[K]['schema']> };

/**
 * The settings of one concern, and how their values become its part of the configuration.
 * `reads` are settings of other groups its values depend on (the topic prefix names the consumer
 * groups): a process that loads this group validates them too. `check` adds problems that
 * involve several settings.
 */
export interface SettingGroup<S extends Settings = Settings, R extends Settings = Settings, C = unknown> {
  /** The concern, as the configuration table names it. */
  readonly name: string;
  readonly settings: S;
  readonly reads?: R;
  build(values: SettingValues<S & R>): C;
  check?(values: SettingValues<S>, context: z.RefinementCtx): void;
}

export function settingGroup<S extends Settings, C, R extends Settings = Record<never, Setting>>(
  group: SettingGroup<S, R, C>,
): SettingGroup<S, R, C> {
  return group;
}

/** What some groups add to the configuration, together. */
export type GroupsConfig<G extends readonly SettingGroup[]> = (
  G[number] extends infer Group ? (Group extends SettingGroup<Settings, Settings, infer C> ? (part: C) => void : never) : never
) extends (part: infer All) => void
  ? All
  : never;

/** A setting's default: the value its schema gives an unset variable. */
export function settingDefault<S extends z.ZodType>(setting: Setting<S>): z.output<S> {
  return setting.schema.parse(undefined);
}

export const port = (example: number) => portNumber(example).default(example);

/** A port number, for a setting whose default is not a constant (unset reads as `undefined`). */
export const optionalPort = (example: number) => optionalText.pipe(portNumber(example).optional());

function portNumber(example: number) {
  return z.coerce
    .number<string | undefined>({ error: `must be a port number, e.g. ${example}` })
    .int(`must be a whole port number, e.g. ${example}`)
    .min(1, `must be 1..65535, e.g. ${example}`)
    .max(65535, `must be 1..65535, e.g. ${example}`);
}

/** A port of a service's `/healthz` and `/metrics`, where 0 picks a free one. */
export const opsPort = (example: number) =>
  z.coerce
    .number({ error: `must be a port number (0 for any free one), e.g. ${example}` })
    .int(`must be a whole port number, e.g. ${example}`)
    .min(0, `must be 0..65535, e.g. ${example}`)
    .max(65535, `must be 0..65535, e.g. ${example}`)
    .default(example);

export const wholeNumber = (example: number, min: number, max: number) =>
  z.coerce
    .number({ error: `must be a whole number, e.g. ${example}` })
    .int(`must be a whole number, e.g. ${example}`)
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`)
    .default(example);

export const optionalText = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

/** true or false (also 1/0, yes/no); unset: `fallback`. */
export const booleanSetting = (fallback: boolean) =>
  optionalText.pipe(
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
      .transform((value) => value === 'true' || value === '1' || value === 'yes')
      .optional()
      .default(fallback),
  );

/** A comma-separated list, each entry trimmed (and lower-cased when `lower`), empty entries dropped. */
export const commaList = (lower: boolean) =>
  z.string().transform((value) =>
    value
      .split(',')
      .map((entry) => (lower ? entry.trim().toLowerCase() : entry.trim()))
      .filter(Boolean),
  );

/** A Kafka group.instance.id: what Kafka allows in a name. */
export const instanceId = optionalText.pipe(
  z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,249}$/, 'must be 1 to 249 letters, digits, ".", "_" or "-", unique per process, e.g. host-a-streamer')
    .optional(),
);

/**
 * A variable's value as an error may repeat it: none at all for a variable named as a secret (a
 * key, but not a per-key limit such as API_STREAMS_PER_KEY), a connection string without its
 * password. Errors end up in logs and terminals.
 */
function shownValue(variable: string, value: string | undefined): string {
  if (/SECRET|(?<!PER_)KEY|PASSWORD|PASSWD|TOKEN|CREDENTIAL/i.test(variable)) return '(hidden)';
  return JSON.stringify(redactUrl(value ?? ''));
}

/**
 * Parses the groups' variables out of the environment and builds their part of the
 * configuration. Every problem is reported at once, each naming its variable; variables of
 * other groups are not looked at.
 */
export function loadGroups<G extends readonly SettingGroup[]>(env: NodeJS.ProcessEnv, groups: G): GroupsConfig<G> {
  // An empty variable is an unset one: `EVENT_RETENTION_DAYS=` must not read as 0 (keep forever),
  // nor `API_RATE_LIMIT=` as 0 (no limit).
  const given = Object.fromEntries(Object.entries(env).filter(([, value]) => value === undefined || value.trim() !== ''));
  const shape = Object.fromEntries(
    groups.flatMap((group) => Object.entries({ ...group.reads, ...group.settings }).map(([name, setting]) => [name, setting.schema])),
  );
  const schema = z.object(shape).superRefine((values, context) => {
    for (const group of groups) group.check?.(values, context);
  });
  const parsed = schema.safeParse(given);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const variable = issue.path[0] === undefined ? '(environment)' : String(issue.path[0]);
      return `${variable}=${shownValue(variable, env[variable])}: ${issue.message}`;
    });
    throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`, { problems });
  }
  const values = parsed.data;
  return Object.assign({}, ...groups.map((group) => group.build(values))) as GroupsConfig<G>;
}

/** One setting of a group alone (a client of the API needs only its port), validated as every process validates it. */
export function loadSetting<S extends Settings, K extends keyof S & string>(
  env: NodeJS.ProcessEnv,
  group: SettingGroup<S, Settings, unknown>,
  name: K,
): z.output<S[K]['schema']> {
  const settings = { [name]: group.settings[name] } as Settings;
  const alone = { name: group.name, settings, build: (values: SettingValues<Settings>) => ({ value: values[name] }) };
  return loadGroups(env, [alone] as const).value as z.output<S[K]['schema']>;
}
