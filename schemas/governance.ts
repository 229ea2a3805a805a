import type { AvroRecord } from '../core/avro.js';
import { entityTopic, valueSubject } from '../core/topics.js';
import { RegistryError, registryErrorCodes } from '../adapters/errors.js';
import type { IncompatibilityCause, RegistryClient } from '../adapters/registry.js';

/**
 * Schema governance against the registry: `registerSchemas` puts each entity's event schema
 * under `<prefix>.<entity>-value` with the subject's compatibility rule set first, so the
 * registry itself refuses a breaking change; `checkSchemas` asks the same question without
 * registering anything.
 */
export const compatibilityLevels = [
  'BACKWARD',
  'BACKWARD_TRANSITIVE',
  'FORWARD',
  'FORWARD_TRANSITIVE',
  'FULL',
  'FULL_TRANSITIVE',
  'NONE',
] as const;
export type CompatibilityLevel = (typeof compatibilityLevels)[number];

export interface GovernanceOptions {
  readonly registry: RegistryClient;
  readonly topicPrefix: string;
  /** Entity → event schema; by default every generated one (`readEventSchemas()`). */
  readonly schemas: ReadonlyMap<string, AvroRecord>;
}

export type RegisterOutcome =
  | { subject: string; entity: string; status: 'registered' | 'unchanged'; id: number; version?: number }
  | { subject: string; entity: string; status: 'refused'; problems: string[] };

export interface RegisterResult {
  readonly compatibility: CompatibilityLevel;
  readonly outcomes: RegisterOutcome[];
}

export async function registerSchemas(options: GovernanceOptions & { compatibility?: CompatibilityLevel }): Promise<RegisterResult> {
  const { registry, topicPrefix } = options;
  const compatibility = options.compatibility ?? 'BACKWARD';
  const outcomes: RegisterOutcome[] = [];
  for (const [entity, schema] of options.schemas) {
    const subject = valueSubject(entityTopic(topicPrefix, entity));
    const text = JSON.stringify(schema);
    const existing = await registry.lookup(subject, text);
    if (existing) {
      await ensureCompatibility(registry, subject, compatibility);
      outcomes.push({ subject, entity, status: 'unchanged', id: existing.id, version: existing.version });
      continue;
    }
    // A new subject takes the rule after its first version (nothing to compare against yet);
    // an existing one before the new version, so the registry checks it under that rule.
    const isNew = (await registry.latest(subject)) === undefined;
    if (!isNew) await ensureCompatibility(registry, subject, compatibility);
    try {
      const { id } = await registry.register(subject, text);
      if (isNew) await ensureCompatibility(registry, subject, compatibility);
      const registered = await registry.lookup(subject, text);
      outcomes.push({ subject, entity, status: 'registered', id, ...(registered ? { version: registered.version } : {}) });
    } catch (thrown) {
      if (!(thrown instanceof RegistryError) || thrown.code !== registryErrorCodes.incompatible) throw thrown;
      const causes = (await registry.checkCompatibility(subject, text)).causes;
      outcomes.push({ subject, entity, status: 'refused', problems: explainCauses(schema, causes, compatibility, thrown.message) });
    }
  }
  return { compatibility, outcomes };
}

async function ensureCompatibility(registry: RegistryClient, subject: string, level: CompatibilityLevel): Promise<void> {
  if ((await registry.subjectCompatibility(subject)) !== level) await registry.setCompatibility(subject, level);
}

export type CheckOutcome =
  | { subject: string; entity: string; status: 'new' | 'unchanged' | 'compatible'; compatibility: string }
  | { subject: string; entity: string; status: 'incompatible'; compatibility: string; problems: string[] };

export async function checkSchemas(options: GovernanceOptions): Promise<CheckOutcome[]> {
  const { registry, topicPrefix } = options;
  const globalLevel = await registry.globalCompatibility();
  const outcomes: CheckOutcome[] = [];
  for (const [entity, schema] of options.schemas) {
    const subject = valueSubject(entityTopic(topicPrefix, entity));
    const text = JSON.stringify(schema);
    const compatibility = (await registry.subjectCompatibility(subject)) ?? globalLevel;
    if ((await registry.latest(subject)) === undefined) {
      outcomes.push({ subject, entity, status: 'new', compatibility });
    } else if (await registry.lookup(subject, text)) {
      outcomes.push({ subject, entity, status: 'unchanged', compatibility });
    } else {
      const result = await registry.checkCompatibility(subject, text);
      outcomes.push(
        result.compatible
          ? { subject, entity, status: 'compatible', compatibility }
          : { subject, entity, status: 'incompatible', compatibility, problems: explainCauses(schema, result.causes, compatibility) },
      );
    }
  }
  return outcomes;
}

/**
 * Says each cause in terms of the schema's fields: the registry points into the new schema with
 * a JSON pointer (`/fields/11/type/fields/3/type`); we turn it into `data.total_amount`.
 */
export function explainCauses(schema: AvroRecord, causes: readonly IncompatibilityCause[], rule: string, fallback?: string): string[] {
  if (causes.length === 0) return [fallback ?? `not compatible under ${rule} (the registry gave no details)`];
  return causes.map((cause) => {
    const field = cause.pointer ? fieldPath(schema, cause.pointer) : undefined;
    if (!field) return `${cause.description} (rule ${rule})`;
    const description =
      cause.description === field.split('.').pop()
        ? `field ${field} was added without a default, so events written with the registered schema cannot be read with the new one`
        : `field ${field}: ${cause.description}`;
    return `${description} (rule ${rule}, at ${cause.pointer})`;
  });
}

/** The dotted field path a JSON pointer into a record schema lands in. */
export function fieldPath(schema: unknown, pointer: string): string | undefined {
  const names: string[] = [];
  let node: unknown = schema;
  for (const raw of pointer.split('/').slice(1)) {
    const token = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (node === null || typeof node !== 'object') break;
    node = (node as Record<string, unknown>)[token];
    if (isField(node)) names.push(node.name);
  }
  return names.length > 0 ? names.join('.') : undefined;
}

/** A field object ({name, type}), as opposed to a named type ({type: 'record' | 'enum' | 'fixed', name}). */
function isField(node: unknown): node is { name: string } {
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return false;
  const { name, type } = node as { name?: unknown; type?: unknown };
  return typeof name === 'string' && type !== undefined && type !== 'record' && type !== 'enum' && type !== 'fixed';
}
