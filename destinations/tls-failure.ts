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
