export { startApi, createApi, type Api } from './api.js';
export { buildApi } from './app.js';
export type { ApiOptions } from './options.js';
