export { startMaterializer, type Materializer } from './materializer.js';
export type { MaterializerOptions } from './options.js';
export { migrate } from '../../adapters/migrate.js';
export { deadLetterHeaderNames } from './dead-letters.js';
