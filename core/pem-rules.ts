import { X509Certificate } from 'node:crypto';
import type { DestinationProblem } from './destination-rules.js';

/** One PEM certificate block. */
export const certificatePattern = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * A PEM text of certificates (CAs to trust, a client's chain), checked before it is stored: it
 * holds one at least, and each parses. A text that does not would otherwise be refused by the
 * TLS library only at the first attempt, as a failure to connect. `field` as the tenant gives it
 * (`redis.ssl_ca_pem`).
 */
export function checkCertificates(pem: string, field: string): DestinationProblem[] {
  const blocks = pem.match(certificatePattern) ?? [];
  if (blocks.length === 0) return [{ field, message: `${field} holds no PEM certificate (-----BEGIN CERTIFICATE-----)` }];
  for (const [index, block] of blocks.entries()) {
    try {
      new X509Certificate(block);
    } catch {
      return [{ field, message: `certificate ${index + 1} of ${field} does not parse; give it as PEM, as the CA issued it` }];
    }
  }
  return [];
}
