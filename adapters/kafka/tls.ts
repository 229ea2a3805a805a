import type { ConnectionOptions } from 'node:tls';
import type { KafkaTls } from './security.js';

// Beside security.ts, which the console's bundle reads types from: this one needs Node's.
/** TLS material as node:tls takes it (what both Kafka clients pass on): the broker is always verified. */
export function nodeTlsOptions(tls: KafkaTls | undefined): ConnectionOptions {
  return {
    rejectUnauthorized: true,
    ...(tls?.ca === undefined ? {} : { ca: [tls.ca] }),
    ...(tls?.cert === undefined ? {} : { cert: tls.cert }),
    ...(tls?.key === undefined ? {} : { key: tls.key }),
    ...(tls?.keyPassword === undefined ? {} : { passphrase: tls.keyPassword }),
    ...(tls === undefined || tls.verifyHostname ? {} : { checkServerIdentity: () => undefined }),
  };
}
