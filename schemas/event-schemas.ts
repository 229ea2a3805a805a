import fs from 'node:fs';
import path from 'node:path';
import type { AvroRecord } from '../core/avro.js';
import { schemasDir } from './catalogue.js';

/**
 * Entity → its full event schema, as generated into schemas/generated/events/ (`npm run codegen`
 * writes them; CI fails when they are stale). These are exactly what is registered.
 */
export function readEventSchemas(dir = schemasDir()): Map<string, AvroRecord> {
  const folder = path.join(dir, 'generated', 'events');
  const schemas = new Map<string, AvroRecord>();
  for (const file of fs.readdirSync(folder).sort()) {
    if (!file.endsWith('.avsc')) continue;
    schemas.set(file.slice(0, -'.avsc'.length), JSON.parse(fs.readFileSync(path.join(folder, file), 'utf8')) as AvroRecord);
  }
  return schemas;
}
