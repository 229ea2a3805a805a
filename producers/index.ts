export { createPublisher } from './publisher.js';
export { publisherDefaults, type PublisherOptions } from './options.js';
export type { BatchEvent, Publisher, PublishEvent, PublishResult } from './types.js';
export { defaultTopicSettings, ensureTopics, type TopicOutcome, type TopicSettings } from './ensure-topics.js';
export { loadConfig, type Config } from '../adapters/config.js';
