import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The project's root folder, whether the code runs from the source tree (tsx, vitest) or from
 * the compiled `dist/` (npm start, npx evp): committed files such as the Maven poms and the
 * schemas are read from the source tree in both cases.
 */
export function projectRoot(): string {
  const here = path.dirname(fileURLToPath(import.meta.url)); // <root>/adapters or <root>/dist/adapters
  const parent = path.dirname(here);
  return path.basename(parent) === 'dist' ? path.dirname(parent) : parent;
}
