import { kafkaSettings, registrySettings } from './settings/kafka.js';
import { loadProcessConfig, type Frozen, type LocalStack } from './settings/process-config.js';
import type { GroupsConfig } from './settings/setting.js';

/**
 * What a publisher reads: Kafka's brokers and topic prefix, the registry's URL (and the local
 * stack's ports when an endpoint is unset). Apart from config.ts, which knows every process's
 * settings, so the publisher SDK package (packages/events-sdk) carries these settings only.
 */
export const publisherGroups = [kafkaSettings, registrySettings] as const;

export type PublisherConfig = Frozen<GroupsConfig<typeof publisherGroups>> & LocalStack;

/** A publisher's settings only: any other variable, however set, is not looked at. */
export function loadPublisherConfig(env: NodeJS.ProcessEnv = process.env): PublisherConfig {
  return loadProcessConfig(env, publisherGroups);
}
