/**
 * Topic and subject names. One topic per entity, `<prefix>.<entity>` (`events.invoice`,
 * `events.crm.deal`); its value schema is registered under the subject `<topic>-value` (the
 * Confluent TopicNameStrategy). Dead letters go to `<prefix>.dead-letter`.
 */
export function entityTopic(prefix: string, entity: string): string {
  return `${prefix}.${entity}`;
}

export function valueSubject(topic: string): string {
  return `${topic}-value`;
}

export function deadLetterTopic(prefix: string): string {
  return `${prefix}.dead-letter`;
}

/** The entity of a topic under `prefix`, or undefined when the topic is not an entity topic. */
export function topicEntity(prefix: string, topic: string): string | undefined {
  if (!topic.startsWith(`${prefix}.`) || topic === deadLetterTopic(prefix)) return undefined;
  return topic.slice(prefix.length + 1);
}
