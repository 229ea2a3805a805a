import { ApiError } from '../errors.js';

/** How many live tails one API process keeps open at once, per key, organization and client address; 0 is no limit. */
export interface StreamLimits {
  /** @defaultValue 10 (`API_STREAMS_PER_KEY`) */
  readonly perKey: number;
  /** @defaultValue 50 (`API_STREAMS_PER_ORG`) */
  readonly perOrganization: number;
  /** @defaultValue 25 (`API_STREAMS_PER_CLIENT`) */
  readonly perClient: number;
}

export interface StreamHolder {
  readonly keyId: string;
  readonly organizationId: string;
  /** The client's address, as the API believes it (API_TRUST_PROXY). */
  readonly client: string;
}

export interface StreamSlots {
  /** Takes a slot for a new live tail, or throws the 429 naming the limit reached; the returned function gives it back (once). */
  acquire(holder: StreamHolder): () => void;
}

/**
 * Counts the open live tails. A live tail holds a connection and a share of its organization's
 * feed for as long as the client likes, so without a cap one key (or one address with many keys)
 * could take every connection the process has. Counts are per API process, like the rate limits.
 */
export function createStreamSlots(limits: StreamLimits): StreamSlots {
  const scopes = [
    { name: 'key', setting: 'API_STREAMS_PER_KEY', max: limits.perKey, of: (h: StreamHolder) => h.keyId, open: new Map<string, number>() },
    {
      name: 'organization',
      setting: 'API_STREAMS_PER_ORG',
      max: limits.perOrganization,
      of: (h: StreamHolder) => h.organizationId,
      open: new Map<string, number>(),
    },
    {
      name: 'address',
      setting: 'API_STREAMS_PER_CLIENT',
      max: limits.perClient,
      of: (h: StreamHolder) => h.client,
      open: new Map<string, number>(),
    },
  ];
  return {
    acquire(holder) {
      for (const scope of scopes) {
        if (scope.max > 0 && (scope.open.get(scope.of(holder)) ?? 0) >= scope.max) {
          throw new ApiError(
            429,
            'invalid_request_error',
            'stream_limit_reached',
            `Too many live tails open for this ${scope.name}: at most ${scope.max} at once (${scope.setting}). Close one, or share one stream between readers.${scope.name === 'address' ? ' Clients behind one proxy share an address unless the API trusts that proxy (API_TRUST_PROXY).' : ''}`,
          );
        }
      }
      for (const scope of scopes) scope.open.set(scope.of(holder), (scope.open.get(scope.of(holder)) ?? 0) + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        for (const scope of scopes) {
          const key = scope.of(holder);
          const left = (scope.open.get(key) ?? 1) - 1;
          if (left === 0) scope.open.delete(key);
          else scope.open.set(key, left);
        }
      };
    },
  };
}
