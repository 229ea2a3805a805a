export { databaseUrl, stackDown, stackStatus, stackUp } from './stack.js';
export type { StackDownOptions, StackEndpoints, StackUp, StackUpOptions } from './stack.js';
export type { ServiceName, ServiceOrigin, ServiceStatus } from './service.js';
export type { RegistryStorage } from './registry.js';
export { probeKafka } from './kafka.js';
export { probeRegistry } from './registry.js';
export { probePostgres } from './postgres.js';
export { versions } from './versions.js';
