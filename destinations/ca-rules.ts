import type { DestinationProblem } from '../core/destination-rules.js';
import { checkCertificates } from '../core/pem-rules.js';

/**
 * The problem with a destination's `ssl_ca_pem`, if any: given for a URL without TLS (`schemes`
 * are the TLS ones, as `rediss:`), or a text that holds no certificate that parses. Server-side:
 * it parses the certificates with node:crypto.
 */
export function caProblem(
  type: string,
  tls: boolean,
  caPem: string | null | undefined,
  schemes: readonly string[],
): DestinationProblem | undefined {
  if (caPem === undefined || caPem === null) return undefined;
  if (tls) return checkCertificates(caPem, `${type}.ssl_ca_pem`)[0];
  const urls = schemes.map((scheme) => `${scheme}//`).join(' or ');
  return { field: `${type}.ssl_ca_pem`, message: `CA certificates are for ${urls} URLs; remove them or use ${urls}` };
}
