import { isIP } from 'node:net';
import { z } from 'zod';
import { optionalText, port, settingGroup, wholeNumber } from './setting.js';

/** `API_TRUST_PROXY`: true, false, hops, or a list of addresses and CIDR ranges; undefined when it is none of those. */
function parseTrustProxy(value: string): boolean | number | string[] | undefined {
  const text = value.trim().toLowerCase();
  if (text === 'true' || text === 'false') return text === 'true';
  if (/^\d+$/.test(text)) return Number(text);
  const entries = text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  const valid = (entry: string) => {
    const [address = '', bits, ...rest] = entry.split('/');
    const family = isIP(address);
    if (family === 0 || rest.length > 0) return false;
    return bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
  };
  return entries.length > 0 && entries.every(valid) ? entries : undefined;
}

/** `evp api`'s settings. Each API process counts its limits on its own. */
export const apiSettings = settingGroup({
  name: 'api',
  settings: {
    API_PORT: { schema: port(3000), doc: 'the Events API port (`evp api --port` overrides it)' },
    API_RATE_LIMIT: { schema: wholeNumber(100, 0, 1_000_000), doc: 'requests one API key may make per window; 0: no limit' },
    API_RATE_LIMIT_AUTH_FAILURES: {
      schema: wholeNumber(10, 0, 1_000_000),
      doc: 'failed authentications per client IP per window, past which it is refused until the window ends; 0: no limit',
    },
    API_RATE_LIMIT_WINDOW_MS: {
      schema: wholeNumber(1000, 100, 86_400_000),
      doc: 'the window both limits count in, in ms (fixed windows, per API process)',
    },
    API_STREAMS_PER_KEY: { schema: wholeNumber(10, 0, 100_000), doc: 'live tails open at once per API key (per API process); 0: no limit' },
    API_STREAMS_PER_ORG: {
      schema: wholeNumber(50, 0, 100_000),
      doc: 'live tails open at once per organization, all its keys; 0: no limit',
    },
    API_STREAMS_PER_CLIENT: { schema: wholeNumber(25, 0, 100_000), doc: 'live tails open at once per client address; 0: no limit' },
    API_HEADERS_TIMEOUT_MS: {
      schema: wholeNumber(10_000, 1_000, 600_000),
      doc: 'a client must have sent its request headers within this, in ms',
    },
    API_REQUEST_TIMEOUT_MS: {
      schema: wholeNumber(30_000, 1_000, 3_600_000),
      doc: 'a client must have sent its whole request, body included, within this, in ms',
    },
    API_TRUST_PROXY: {
      schema: optionalText.pipe(
        z
          .string()
          .transform((value, check) => {
            const parsed = parseTrustProxy(value);
            if (parsed === undefined) {
              check.addIssue({
                code: 'custom',
                message: 'must be true, false, a number of hops, or addresses and CIDR ranges, e.g. 10.0.0.0/8,127.0.0.1',
              });
              return z.NEVER;
            }
            return parsed;
          })
          .optional(),
      ),
      doc: "proxies believed about the client's address (X-Forwarded-For): `false`, `true`, hops, or addresses and CIDR ranges",
      shownDefault: '`false`',
    },
    API_MAX_DESTINATIONS_PER_ORG: {
      schema: wholeNumber(100, 0, 1_000_000),
      doc: 'destinations one organization may have (deleted ones do not count); 0: no limit',
    },
  },
  build: (e) => ({
    apiPort: e.API_PORT,
    apiRateLimit: {
      perKey: e.API_RATE_LIMIT,
      authFailuresPerIp: e.API_RATE_LIMIT_AUTH_FAILURES,
      windowMs: e.API_RATE_LIMIT_WINDOW_MS,
    },
    apiLimits: {
      streamsPerKey: e.API_STREAMS_PER_KEY,
      streamsPerOrganization: e.API_STREAMS_PER_ORG,
      streamsPerClient: e.API_STREAMS_PER_CLIENT,
      headersTimeoutMs: e.API_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: e.API_REQUEST_TIMEOUT_MS,
    },
    apiTrustProxy: e.API_TRUST_PROXY ?? false,
    apiMaxDestinationsPerOrg: e.API_MAX_DESTINATIONS_PER_ORG,
  }),
});
