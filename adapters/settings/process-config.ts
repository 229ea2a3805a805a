import { stackSettings } from './stack.js';
import { loadGroups, type GroupsConfig, type SettingGroup } from './setting.js';

/** A configuration as every process receives it: read-only all the way down. */
export type Frozen<T> = T extends (...args: never[]) => unknown
  ? T
  : T extends readonly (infer U)[]
    ? readonly Frozen<U>[]
    : T extends object
      ? { readonly [K in keyof T]: Frozen<T[K]> }
      : T;

/** The local stack's settings (`evp stack up`): its ports, files and JVMs. */
export type StackConfig = Frozen<GroupsConfig<readonly [typeof stackSettings]>>['stack'];

/**
 * The local stack's settings, read (and validated) the first time a process falls back to the
 * local stack: an endpoint left unset, the embedded PostgreSQL.
 */
export interface LocalStack {
  readonly stack: StackConfig;
}

/**
 * The groups' settings, validated now, and the local stack's, validated when first read: a
 * process given all its endpoints never looks at them.
 */
export function loadProcessConfig<G extends readonly SettingGroup[]>(
  env: NodeJS.ProcessEnv,
  groups: G,
): Frozen<GroupsConfig<G>> & LocalStack {
  const config = deepFreeze(loadGroups(env, groups)) as object;
  const snapshot = { ...env };
  let stack: StackConfig | undefined;
  const withStack = Object.defineProperty({ ...config }, 'stack', {
    enumerable: true,
    get: () => (stack ??= deepFreeze(loadGroups(snapshot, [stackSettings]).stack)),
  });
  Object.freeze(withStack);
  return withStack as Frozen<GroupsConfig<G>> & LocalStack;
}

export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
