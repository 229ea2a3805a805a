import { Type } from 'typebox';
import { SafeString } from '../core/request-schemas.js';
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
