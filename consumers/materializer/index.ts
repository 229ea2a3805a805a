export { startMaterializer, type Materializer } from './materializer.js';
export type { MaterializerOptions } from './options.js';
export { migrate } from './migrate.js';
export { deadLetterHeaderNames } from './dead-letters.js';
