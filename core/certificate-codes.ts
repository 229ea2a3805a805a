/**
 * Node's codes for a failed TLS handshake, and what each means, for every client the pipeline
 * runs (destinations, the registry, Kafka): one reading, so every failure of the same kind is
 * classified and told alike. Pure.
 */

/** Codes for a certificate chain that ends at no CA the client trusts (a private CA not given, a self-signed certificate). */
export const untrustedCertificateCodes: ReadonlySet<string> = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
]);

/**
 * The code of a TLS handshake the client refused or could not make (a certificate not signed by a
 * trusted CA, expired, for another name; a protocol the two ends do not share), or undefined for
 * any other failure. Waiting does not fix these: settings (a CA to trust, the host named) or the
 * server's certificate do, so they are not retried as a passing fault.
 */
export function tlsFailureCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' && isTlsFailureCode(code) ? code : undefined;
}

/** Whether Node's error code is one of a failed TLS handshake (see tlsFailureCode). */
export function isTlsFailureCode(code: string): boolean {
  return /^ERR_TLS_|^ERR_SSL_/.test(code) || /CERT|SELF_SIGNED|UNABLE_TO/.test(code);
}

/** Codes OpenSSL gives when the other end answered a TLS greeting in something else (plain HTTP, a plaintext protocol). */
const notTlsCodes: ReadonlySet<string> = new Set([
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'ERR_SSL_PACKET_LENGTH_TOO_LONG',
  'ERR_SSL_HTTP_REQUEST',
]);

/** Why a handshake failed, as far as the fix goes. */
export type TlsFailureReason = 'untrusted' | 'expired' | 'misnamed' | 'not-tls' | 'other';

export function tlsFailureReason(code: string): TlsFailureReason {
  if (untrustedCertificateCodes.has(code)) return 'untrusted';
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') return 'expired';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return 'misnamed';
  if (notTlsCodes.has(code)) return 'not-tls';
  return 'other';
}

/**
 * What a failed handshake means and what fixes it, in words to act on: `where` is the server as
 * the message names it, `settings` the setting of the CAs to trust and the one holding the host,
 * `truster` who checked the certificate.
 */
export function describeTlsFailure(
  code: string,
  where: string,
  settings: { readonly ca: string; readonly host: string },
  truster = 'the destination',
): string {
  const failed = `the TLS handshake with ${where} failed (${code})`;
  switch (tlsFailureReason(code)) {
    case 'untrusted':
      return `${failed}: no CA ${truster} trusts signed its certificate; set ${settings.ca} to the PEM of the CA that did`;
    case 'expired':
      return `${failed}: its certificate is not valid now; its operator must renew it (or the pipeline's clock is wrong)`;
    case 'misnamed':
      return `${failed}: its certificate is for another host; use a name the certificate holds in ${settings.host}`;
    case 'not-tls':
      return `${failed}: it does not answer in TLS there; check that ${settings.host} names its TLS port`;
    case 'other':
      return `${failed}; check ${settings.ca} and that the certificate names the host of ${settings.host}`;
  }
}
