import type { Logger } from '../adapters/logger.js';
import type { LocalStackConfig } from '../adapters/config.js';
import type { StackPaths } from './paths.js';

export type ServiceName = 'kafka' | 'registry' | 'postgres';

/**
 * Where a running service came from:
 * - `env`: given by its environment variable, used as is, never started or stopped by us;
 * - `stack`: started by `evp stack up` (a pid file records it; `down` stops it);
 * - `external`: already answering on the port when the stack looked, reused, left alone by `down`.
 */
export type ServiceOrigin = 'env' | 'stack' | 'external';

export interface ServiceStatus {
  readonly name: ServiceName;
  /** What clients connect to: host:port for Kafka, the ccompat base URL, a postgres:// URL. */
  readonly endpoint: string;
  readonly state: 'up' | 'down';
  readonly origin: ServiceOrigin;
  readonly pid?: number;
  readonly logFile?: string;
  /** True when this call started the process (false when it reused one). */
  readonly started?: boolean;
  /** Service-specific facts, e.g. the registry's storage kind. */
  readonly details?: Readonly<Record<string, string>>;
  /** Each node of a service that runs several (a Kafka cluster); `endpoint` then lists them all. */
  readonly nodes?: readonly NodeStatus[];
}

/** One node of a multi-node service. */
export interface NodeStatus {
  readonly nodeId: number;
  readonly endpoint: string;
  readonly state: 'up' | 'down';
  /** The node's process, when the stack started it and it runs. */
  readonly pid?: number;
  readonly logFile: string;
}

export interface ServiceContext {
  readonly config: LocalStackConfig;
  readonly paths: StackPaths;
  readonly logger: Logger;
}
