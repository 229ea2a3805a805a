import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Client } from './api';
import type { ApiKeyScope, EventType } from './types';

/** What every page of a signed-in console shares. */
export interface Session {
  readonly key: string;
  readonly client: Client;
  readonly organizationId: string;
  /** Everything the key may do; the console shows only what it may. */
  readonly scopes: readonly ApiKeyScope[];
  /** The event-type catalogue, read once at sign-in (type autocomplete, entity lists). */
  readonly eventTypes: readonly EventType[];
  readonly entities: readonly string[];
  /** Ends the session because the API refused the key (revoked while signed in). */
  readonly onUnauthorized: () => void;
}

export const SessionContext = createContext<Session | undefined>(undefined);

/** Whether the signed-in key may do what `scope` allows. */
export function useMay(scope: ApiKeyScope): boolean {
  return useSession().scopes.includes(scope);
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (session === undefined) throw new Error('useSession outside a signed-in console');
  return session;
}
