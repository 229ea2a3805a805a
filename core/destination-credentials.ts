import type { DestinationProblem } from './destination-rules.js';
import type { SecretBox } from './secret-box.js';

/**
 * A destination's secret settings (a Kafka destination's SASL password and TLS key) at rest: each
 * sealed apart from the others with the secret box that seals webhook signing secrets, stored in
 * the `credentials` column as `{ setting: sealed }`, never in `settings`. An answer names the
 * ones stored (`"set"`), never their value. A sealed value opens only for its destination and
 * setting: copied to another row, or to another setting of the same row, it does not open.
 */
export type StoredCredentials = Readonly<Record<string, string>>;

/** What the API says in place of a stored secret. */
export const storedSecretMark = 'set';

/** The rules of a type's secret settings (destinations/kind.ts declares them). */
export interface CredentialRules {
  readonly secrets: readonly { readonly setting: string; readonly boundTo: readonly string[] }[];
  unused?(settings: Readonly<Record<string, unknown>>): readonly string[];
}

/** What an owner is for one secret: the destination and the setting. */
const ownerOf = (destinationId: string, setting: string) => `${destinationId}/${setting}`;

export function sealCredential(box: SecretBox, destinationId: string, setting: string, plain: string): string {
  return box.seal(plain, ownerOf(destinationId, setting));
}

/** The plain secrets; throws SecretUnreadable when one was sealed by another key, for another owner, or altered. */
export function openCredentials(box: SecretBox, destinationId: string, stored: StoredCredentials | null): Record<string, string> {
  return Object.fromEntries(
    Object.entries(stored ?? {}).map(([setting, sealed]) => [setting, box.open(sealed, ownerOf(destinationId, setting))]),
  );
}

/** The stored secrets as an answer shows them: `"set"` for each. */
export function markCredentials(stored: StoredCredentials | null): Record<string, string> {
  return Object.fromEntries(Object.keys(stored ?? {}).map((setting) => [setting, storedSecretMark]));
}

/** Settings after a create or an update, before their checks; the secrets given are still plain. */
export interface MergedSettings {
  /** Every setting but the secrets: what the `settings` column holds. */
  readonly settings: Record<string, unknown>;
  /** The secrets the request gave, plain, to be checked and sealed. */
  readonly given: Record<string, string>;
  /** The stored secrets kept, sealed as they are. */
  readonly kept: Record<string, string>;
}

/**
 * A type's settings after a change (a create is a change of nothing): the request's fields
 * replace the stored ones (null is stored: it means "none" to the type). A stored secret is kept unless the request gives
 * it again or removes it; a change to a setting it is bound to (the brokers, for a password) is
 * refused unless the request gives the secret too, or removes that setting. Settings the new ones
 * leave unused (`unused`) are dropped with their secrets, unless the request gives them (then the
 * type's check refuses them by name).
 */
export function mergeSettings(
  type: string,
  stored: { readonly settings: Readonly<Record<string, unknown>>; readonly credentials: StoredCredentials | null },
  change: Readonly<Record<string, unknown>>,
  rules: CredentialRules,
): MergedSettings | DestinationProblem {
  const secretNames = new Set(rules.secrets.map((secret) => secret.setting));
  const settings: Record<string, unknown> = { ...stored.settings };
  const given: Record<string, string> = {};
  for (const [name, value] of Object.entries(change)) {
    // A secret given is sealed apart; a secret set to null is removed (it is `in change`, so not kept).
    if (secretNames.has(name)) {
      // An answer sent back as it came would store the mark as the secret.
      if (value === storedSecretMark) {
        return {
          field: `${type}.${name}`,
          message: `${type}.${name} is "${storedSecretMark}", what answers show in place of a stored secret; give the secret itself, or leave ${type}.${name} out to keep the stored one`,
        };
      }
      if (typeof value === 'string') given[name] = value;
    } else if (value !== undefined) settings[name] = value;
  }
  const unused = new Set(rules.unused?.(settings) ?? []);
  const kept: Record<string, string> = {};
  for (const { setting, boundTo } of rules.secrets) {
    const sealed = stored.credentials?.[setting];
    // Unused now (SASL switched off): dropped, wherever the destination moves.
    if (sealed === undefined || setting in change || unused.has(setting)) continue;
    const moved = boundTo.filter((name) => name in change && JSON.stringify(change[name]) !== JSON.stringify(stored.settings[name]));
    if (moved.length > 0 && moved.every((name) => change[name] === null)) continue;
    if (moved.length > 0) {
      const changed = moved.map((name) => `${type}.${name}`).join(' and ');
      return {
        field: `${type}.${setting}`,
        message: `changing ${changed} needs ${type}.${setting} given again: a stored secret never follows a destination elsewhere`,
      };
    }
    kept[setting] = sealed;
  }
  for (const name of unused) if (!(name in change)) delete settings[name];
  return { settings, given, kept };
}

export function isMerged(value: MergedSettings | DestinationProblem): value is MergedSettings {
  return 'settings' in value;
}
