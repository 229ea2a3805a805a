import { createPrivateKey, X509Certificate } from 'node:crypto';
import type { DestinationProblem } from './destination-rules.js';
import { certificatePattern, checkCertificates } from './pem-rules.js';

/**
 * A Kafka destination's security settings, checked before they are stored: what the protocol
 * needs is given, what it does not use is not, and PEM texts hold what they say (a CA that parses,
 * a key that is unencrypted and belongs to the certificate). Pure: `stored` names the secrets kept
 * from before (sealed, so not readable here), which count as given.
 */
export interface KafkaSecuritySettings {
  readonly security_protocol?: string | undefined;
  readonly sasl_mechanism?: string | undefined;
  readonly sasl_username?: string | undefined;
  readonly sasl_password?: string | undefined;
  readonly ssl_ca_pem?: string | null | undefined;
  readonly ssl_cert_pem?: string | null | undefined;
  readonly ssl_key_pem?: string | null | undefined;
  readonly ssl_verify_hostname?: boolean | undefined;
}

const sasl = ['sasl_mechanism', 'sasl_username', 'sasl_password'] as const;
const tls = ['ssl_ca_pem', 'ssl_cert_pem', 'ssl_key_pem', 'ssl_verify_hostname'] as const;

export function checkKafkaSecuritySettings(settings: KafkaSecuritySettings, stored: ReadonlySet<string> = new Set()): DestinationProblem[] {
  const protocol = settings.security_protocol ?? 'PLAINTEXT';
  const withSasl = protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL';
  const withTls = protocol === 'SSL' || protocol === 'SASL_SSL';
  const has = (name: keyof KafkaSecuritySettings) => (settings[name] !== undefined && settings[name] !== null) || stored.has(name);
  const problems: DestinationProblem[] = [];
  const field = (name: string) => `kafka.${name}`;

  for (const name of [...(withSasl ? [] : sasl), ...(withTls ? [] : tls)]) {
    if (!has(name)) continue;
    problems.push({
      field: field(name),
      message: `kafka.${name} is set but kafka.security_protocol ${protocol} uses no ${name.startsWith('sasl') ? 'SASL' : 'TLS'}; remove it, or choose a protocol with ${name.startsWith('sasl') ? 'SASL (SASL_SSL, SASL_PLAINTEXT)' : 'TLS (SSL, SASL_SSL)'}`,
    });
  }
  if (withSasl) {
    for (const name of sasl) {
      if (!has(name)) problems.push({ field: field(name), message: `kafka.${name} is needed with kafka.security_protocol ${protocol}` });
    }
  }
  if (withTls) {
    if (settings.ssl_ca_pem) problems.push(...checkCertificates(settings.ssl_ca_pem, 'kafka.ssl_ca_pem'));
    if (has('ssl_cert_pem') !== has('ssl_key_pem')) {
      const missing = has('ssl_cert_pem') ? 'ssl_key_pem' : 'ssl_cert_pem';
      problems.push({ field: field(missing), message: `kafka.ssl_cert_pem and kafka.ssl_key_pem go together: give kafka.${missing} too` });
    } else if (settings.ssl_cert_pem) {
      const certificates = checkCertificates(settings.ssl_cert_pem, 'kafka.ssl_cert_pem');
      problems.push(...certificates);
      if (certificates.length === 0 && settings.ssl_key_pem) problems.push(...checkKey(settings.ssl_cert_pem, settings.ssl_key_pem));
    }
  }
  return problems;
}

/**
 * The key parses without a passphrase (there is no setting for one) and is the certificate's.
 * What a key looks like is never said back: the message names the field only.
 */
function checkKey(certificatePem: string, keyPem: string): DestinationProblem[] {
  const field = 'kafka.ssl_key_pem';
  if (/ENCRYPTED/.test(keyPem)) return [{ field, message: `${field} is encrypted; give it unencrypted (openssl pkey -in key.pem)` }];
  let key;
  try {
    key = createPrivateKey(keyPem);
  } catch {
    return [{ field, message: `${field} is not a PEM private key (-----BEGIN PRIVATE KEY-----)` }];
  }
  const first = certificatePem.match(certificatePattern)?.[0] ?? '';
  if (!new X509Certificate(first).checkPrivateKey(key)) {
    return [{ field, message: `${field} is not the key of the first certificate of kafka.ssl_cert_pem` }];
  }
  return [];
}
