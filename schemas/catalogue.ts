import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../adapters/project-root.js';
import type { AvroRecord } from '../core/avro.js';
import type { EventSeverity, EventSource } from '../core/event-schema.js';

export interface CatalogueEntry {
  readonly entity: string;
  readonly description: string;
  readonly severity: EventSeverity;
  readonly source: EventSource;
  /** Which public catalogue the type comes from. */
  readonly origin: string;
}

/** The folder holding catalogue.json and entities/, from the source or the compiled tree. */
export function schemasDir(): string {
  return path.join(projectRoot(), 'schemas');
}

export function readCatalogue(dir = schemasDir()): Record<string, CatalogueEntry> {
  const raw = JSON.parse(fs.readFileSync(path.join(dir, 'catalogue.json'), 'utf8')) as { types: Record<string, CatalogueEntry> };
  return raw.types;
}

/** Entity name → its data record, from `entities/<entity>.avsc`. */
export function readEntitySchemas(dir = schemasDir()): Record<string, AvroRecord> {
  const folder = path.join(dir, 'entities');
  return Object.fromEntries(
    fs
      .readdirSync(folder)
      .filter((file) => file.endsWith('.avsc'))
      .sort()
      .map((file) => [file.slice(0, -'.avsc'.length), JSON.parse(fs.readFileSync(path.join(folder, file), 'utf8')) as AvroRecord]),
  );
}
