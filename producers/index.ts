export { createPublisher } from './publisher.js';
export { publisherDefaults, type PublisherOptions } from './options.js';
export type { BatchEvent, Publisher, PublishEvent, PublishResult } from './types.js';
export { defaultTopicSettings, ensureTopics, type TopicOutcome, type TopicSettings } from './ensure-topics.js';
// `loadConfig` too, the name the examples use: a publisher reads its own settings only.
export { loadPublisherConfig, loadPublisherConfig as loadConfig, type PublisherConfig } from '../adapters/publisher-config.js';
