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
  /**
   * Settings sealed at rest apart from the others (core/destination-credentials.ts) and never
   * answered: an answer says `"set"` in their place.
   */
  readonly secrets?: readonly SecretSetting[];
  /**
   * The settings these ones leave unused (SASL's without a SASL protocol): an update drops the
   * stored ones it does not give again, so switching a feature off needs no clean-up request.
   */
  unused?(settings: Readonly<Record<string, unknown>>): readonly string[];
  /** Where it sends, in one line (the console's "Sends to", the CLI's TARGET). */
  target(settings: Static<Settings>): DestinationTarget;
  /**
   * The settings that are templates of event fields (core/field-template.ts): checked against the
   * subscribed types' fields when the settings are saved and again whenever the subscription changes.
   */
  templates?(settings: Static<Settings>): readonly TemplateSetting[];
  /** The console form's inputs, in the order shown. */
  readonly fields: readonly FormField[];
  /** `evp destinations create|update` flags, in the order of `--help`. */
  readonly flags: readonly CliFlag[];
}

/** A setting that is a template: its API field (`redis.stream`), its text, and whether it may name the time. */
export interface TemplateSetting {
  readonly field: string;
  readonly text: string;
  readonly time?: boolean;
}

/** A secret setting, and the settings whose change must give it again. */
export interface SecretSetting {
  readonly setting: string;
  /**
   * Changing one of these without giving the secret again is refused: a stored secret never
   * follows a destination to other brokers, nor over a weaker protocol.
   */
  readonly boundTo: readonly string[];
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
   * textarea of `name: value` lines. `url` and `text` are sent trimmed. `select` offers
   * `options` (the first when none is stored); `pem` is a textarea sent as written, null when
   * emptied; `password` is a password input; `checkbox` sends true or false. The input of one of
   * the type's `secrets` never holds the stored value: it starts empty and is sent only when typed.
   */
  readonly input: 'text' | 'url' | 'integer' | 'list' | 'headers' | 'select' | 'pem' | 'password' | 'checkbox';
  /** The choices of a `select`. */
  readonly options?: readonly string[];
  /** A `checkbox`'s state when the setting is not stored. */
  readonly checked?: boolean;
  /** Shown only when the other settings' text passes this (SASL's inputs for a SASL protocol). */
  shown?(settings: Readonly<Record<string, string>>): boolean;
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
  /**
   * How the CLI reads the value: an integer, a comma-separated list, `name:value` (repeatable),
   * `true|false`, or the contents of the file named (secrets and PEM stay out of the shell's
   * history and the process list); text otherwise.
   */
  readonly value?: 'integer' | 'list' | 'header' | 'boolean' | 'file';
}

/** A destination type, its name and settings types inferred from what it declares. */
export function defineKind<const Name extends string, Settings extends TObject>(
  kind: DestinationKind<Name, Settings>,
): DestinationKind<Name, Settings> {
  return kind;
}
