import { apiSettings } from './settings/api.js';
import { dataSettings } from './settings/data.js';
import { databaseSettings } from './settings/database.js';
import { destinationSettings } from './settings/destinations.js';
import { consumerSettings, kafkaSettings, registrySettings } from './settings/kafka.js';
import { loggingSettings } from './settings/logging.js';
import { materializerSettings } from './settings/materializer.js';
import { publisherGroups } from './publisher-config.js';
import { deepFreeze, loadProcessConfig, type Frozen, type LocalStack } from './settings/process-config.js';
import { loadGroups, type GroupsConfig } from './settings/setting.js';
import { stackSettings } from './settings/stack.js';
import { streamerSettings } from './settings/streamer.js';

/**
 * Every setting, by concern, in the order of the configuration table. Each process loads only
 * the groups it uses (below), so a variable another process reads cannot stop it.
 */
export const settingGroups = [
  kafkaSettings,
  registrySettings,
  databaseSettings,
  consumerSettings,
  materializerSettings,
  streamerSettings,
  apiSettings,
  destinationSettings,
  loggingSettings,
  dataSettings,
  stackSettings,
] as const;

const materializerGroups = [
  kafkaSettings,
  registrySettings,
  databaseSettings,
  consumerSettings,
  materializerSettings,
  loggingSettings,
] as const;
const streamerGroups = [
  kafkaSettings,
  registrySettings,
  databaseSettings,
  consumerSettings,
  streamerSettings,
  destinationSettings,
  loggingSettings,
  dataSettings,
] as const;
const apiGroups = [
  kafkaSettings,
  registrySettings,
  databaseSettings,
  apiSettings,
  destinationSettings,
  loggingSettings,
  dataSettings,
] as const;
/** The endpoints it checks when given, and what it starts otherwise. */
const stackGroups = [kafkaSettings, registrySettings, databaseSettings, loggingSettings, dataSettings, stackSettings] as const;

/** Which groups each process validates; the local stack's (`stack`) only when it falls back to it. */
export const processGroups = {
  'the publisher (`createPublisher`)': publisherGroups,
  '`evp materializer`': materializerGroups,
  '`evp streamer`': streamerGroups,
  '`evp api`': apiGroups,
  '`evp stack`': stackGroups,
  '`evp start` (the union of the above) and the other commands': settingGroups,
} as const;

/** Every setting: what `evp start` and the other commands read (see adapters/settings/). */
export type Config = Frozen<GroupsConfig<typeof settingGroups>>;
export type { StackConfig } from './settings/process-config.js';

/** What the local stack reads: the endpoints it only checks when they are given, and its own settings. */
export type LocalStackConfig = Pick<Config, 'kafkaBrokers' | 'schemaRegistryUrl' | 'databaseUrl' | 'stack'>;

// The publisher's own settings live in publisher-config.ts: the SDK package carries only them.
export { loadPublisherConfig, type PublisherConfig } from './publisher-config.js';

/** What `evp materializer` reads. */
export type MaterializerProcessConfig = Frozen<GroupsConfig<typeof materializerGroups>> & LocalStack;
/** What `evp streamer` reads. */
export type StreamerProcessConfig = Frozen<GroupsConfig<typeof streamerGroups>> & LocalStack;
/** What `evp api` reads. */
export type ApiProcessConfig = Frozen<GroupsConfig<typeof apiGroups>> & LocalStack;
/** What `evp stack` reads. */
export type StackProcessConfig = Frozen<GroupsConfig<typeof stackGroups>>;

/**
 * Reads the environment once, validates every setting once and returns a frozen Config. Every
 * problem is reported at once, each naming its variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return deepFreeze(loadGroups(env, settingGroups));
}

export function loadMaterializerConfig(env: NodeJS.ProcessEnv = process.env): MaterializerProcessConfig {
  return loadProcessConfig(env, materializerGroups);
}

export function loadStreamerConfig(env: NodeJS.ProcessEnv = process.env): StreamerProcessConfig {
  return loadProcessConfig(env, streamerGroups);
}

export function loadApiConfig(env: NodeJS.ProcessEnv = process.env): ApiProcessConfig {
  return loadProcessConfig(env, apiGroups);
}

export function loadStackConfig(env: NodeJS.ProcessEnv = process.env): StackProcessConfig {
  return deepFreeze(loadGroups(env, stackGroups));
}
