export { startApi, createApi, type Api } from './api.js';
export { buildApi } from './app.js';
export type { ApiOptions } from './options.js';
// The answers' schemas, for the CLI's types of what it reads (type-only: none of the API is loaded).
export type { DeliveryObject, DeliveryWithAttempts, ReplayResult } from './delivery-schemas.js';
export type { DestinationObject, DestinationSecret } from './destination-schemas.js';
