import type { Static, TObject } from 'typebox';

/**
 * What every destination type declares for the API, the console and the CLI. Browser-safe: the
 * console bundles it, so nothing here (nor in any `<type>/kind.ts`) may import Node or a client.
 * What the streamer and the API's checks need is in `<type>/server.ts` (server.ts lists them).
 */
export interface DestinationKind<Name extends string = string, Settings extends TObject = TObject> {
  /** The value of `type`, and the key of the settings object in requests and answers. */
  readonly name: Name;
  /** The console's name for the type, in its Type select. */
  readonly label: string;
  /** The settings of a create request; an update takes any part of them. */
  readonly settings: Settings;
  /** Whether deliveries are signed: such a destination has a secret to reveal and rotate. */
  readonly signed: boolean;
  /** Where it sends, in one line (the console's "Sends to", the CLI's TARGET). */
  target(settings: Static<Settings>): DestinationTarget;
  /** The console form's inputs, in the order shown. */
  readonly fields: readonly FormField[];
  /** `evp destinations create|update` flags, in the order of `--help`. */
  readonly flags: readonly CliFlag[];
}

/** A topic, URL or directory, and where it is when that matters (a topic's brokers). */
export interface DestinationTarget {
  readonly name: string;
  readonly on?: string;
}

/** One input of the console's destination form; `id` is what an API error's `param` focuses. */
export interface FormField {
  /** The setting it fills: `url` is the API's `webhook.url`. */
  readonly setting: string;
  readonly id: string;
  readonly label: string;
  /**
   * `integer` is sent only when given; `list` is split on commas and spaces; `headers` is a
   * textarea of `name: value` lines. `url` and `text` are sent trimmed.
   */
  readonly input: 'text' | 'url' | 'integer' | 'list' | 'headers';
  readonly placeholder?: string;
  readonly required?: boolean;
  /** How a mistake names it: "The timeout must be a whole number"; the label otherwise. */
  readonly noun?: string;
}

/** One flag of `evp destinations create|update`; its help says the type first (`webhook: …`). */
export interface CliFlag {
  /** The setting it sets; `batch.max_events` is `max_events` inside `batch`. */
  readonly setting: string;
  /** As commander takes it: `--timeout-ms <ms>`. */
  readonly flag: string;
  readonly description: string;
  /** The description in `update --help`, when it differs. */
  readonly onUpdate?: string;
  /** How the CLI reads the value: an integer, a comma-separated list, `name:value` (repeatable); text otherwise. */
  readonly value?: 'integer' | 'list' | 'header';
}

/** A destination type, its name and settings types inferred from what it declares. */
export function defineKind<const Name extends string, Settings extends TObject>(
  kind: DestinationKind<Name, Settings>,
): DestinationKind<Name, Settings> {
  return kind;
}
