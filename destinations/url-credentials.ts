import { Type } from 'typebox';
import { OptionalPem, SafeString } from '../core/request-schemas.js';
import type { CliFlag, FormField, SecretSetting } from './kind.js';

/**
 * The user and password of a type reached by one URL (Redis, MQTT): settings of their own rather
 * than inside the URL, so the password is sealed at rest and never answered, and bound to the
 * URL (changing the URL without giving the password again is refused). Browser-safe.
 */
export function credentialSettings(user: string) {
  return {
    username: Type.Optional(SafeString({ minLength: 1, maxLength: 300, description: user })),
    password: Type.Optional(
      SafeString({
        minLength: 1,
        maxLength: 1_024,
        description: 'The password. Sealed at rest and never answered (answers say "set"); give it again to change the URL.',
      }),
    ),
  };
}

/** The password goes to the server the URL names: to send it elsewhere, it must be typed again. */
export const passwordSecret: readonly SecretSetting[] = [{ setting: 'password', boundTo: ['url'] }];

/** The console's inputs for the user and password; `type` prefixes their ids. */
export function credentialFields(type: string): FormField[] {
  return [
    { setting: 'username', id: `dst-${type}-username`, label: 'User', input: 'text' },
    { setting: 'password', id: `dst-${type}-password`, label: 'Password', input: 'password' },
  ];
}

/** The CLI's flags for them, prefixed by the type (`--redis-username`): flags of all types share one namespace. */
export function credentialFlags(type: string, user: string): CliFlag[] {
  return [
    { setting: 'username', flag: `--${type}-username <user>`, description: user },
    {
      setting: 'password',
      flag: `--${type}-password-file <file>`,
      description: 'a file holding the password (one line)',
      onUpdate: 'a file holding the password; needed again to change the URL',
      value: 'file',
    },
  ];
}

/**
 * The CA certificates a type reached over TLS may trust instead of the system's (a server with a
 * private CA): `ssl_ca_pem`, taken only with a TLS scheme (`schemes`, as `amqps:`).
 */
export function caSetting(schemes: readonly string[]) {
  return {
    ssl_ca_pem: OptionalPem(
      `With ${schemes.map((scheme) => `${scheme}//`).join(' or ')}: the CA certificates to trust (PEM) instead of the system's; null goes back to the system's.`,
    ),
  };
}

/** The console's input for them, shown while the URL (or one of a list's, in `urls`) has one of the TLS `schemes`. */
export function caField(type: string, schemes: readonly string[], urls = 'url'): FormField {
  return {
    setting: 'ssl_ca_pem',
    id: `dst-${type}-ca`,
    label: 'CA certificates (PEM)',
    input: 'pem',
    placeholder: "-----BEGIN CERTIFICATE-----  (empty: the system's CAs)",
    shown: (settings) =>
      (settings[urls] ?? '')
        .toLowerCase()
        .split(/[\s,]+/)
        .some((url) => schemes.some((scheme) => url.startsWith(scheme))),
  };
}

/** The CLI's flag for them (`--redis-ca-file`). */
export function caFlag(type: string): CliFlag {
  return {
    setting: 'ssl_ca_pem',
    flag: `--${type}-ca-file <file>`,
    description: "a PEM file of the CAs to trust instead of the system's",
    value: 'file',
  };
}
