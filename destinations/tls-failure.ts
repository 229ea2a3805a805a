import { untrustedCertificateCodes } from '../core/certificate-codes.js';

/**
 * Node's code for a TLS handshake a destination's client refused or could not make (a
 * certificate not signed by a trusted CA, expired, for another name; a protocol the two ends do
 * not share), or undefined for any other failure. Waiting does not fix these: the tenant's
 * settings (a CA to trust, the URL's host) or the server's certificate do.
 */
export function tlsFailureCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  if (typeof code !== 'string') return undefined;
  return /^ERR_TLS_|^ERR_SSL_/.test(code) || /CERT|SELF_SIGNED|UNABLE_TO/.test(code) ? code : undefined;
}

/**
 * What a failed handshake means and what to do, for the delivery log: `where` is the server as the
 * log names it, `settings` the destination's CA setting and the setting holding the host.
 */
export function describeTlsFailure(code: string, where: string, settings: { readonly ca: string; readonly host: string }): string {
  const failed = `the TLS handshake with ${where} failed (${code})`;
  if (untrustedCertificateCodes.has(code))
    return `${failed}: no CA the destination trusts signed its certificate; set ${settings.ca} to the PEM of the CA that did`;
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    return `${failed}: its certificate is not valid now; its operator must renew it (or the pipeline's clock is wrong)`;
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return `${failed}: its certificate is for another host; use a name the certificate holds in ${settings.host}`;
  return `${failed}; check ${settings.ca} and that the certificate names the host of ${settings.host}`;
}
