import { render } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError, createClient, type ListPage } from './api';
import { SessionContext, type Session } from './context';
import { Shell } from './components/shell';
import { SignIn } from './pages/sign-in';
import { storedKey, storeKey } from './session';
import type { EventType, Organization } from './types';
import './styles.css';

/** Checks a key against the API and reads what every page needs; throws the API's refusal. */
async function openSession(key: string, onUnauthorized: () => void): Promise<Session> {
  const client = createClient(key, onUnauthorized);
  const organization = await client.get<Organization>('/api/v1/organization');
  const scopes = organization.api_key.scopes;
  // A key that may not read events (one made for destinations alone) has no catalogue to read.
  const types = scopes.includes('events:read') ? (await client.get<ListPage<EventType>>('/api/v1/event-types')).data : [];
  const entities = [...new Set(types.map((type) => type.entity))].sort();
  return { key, client, organizationId: organization.id, scopes, eventTypes: types, entities, onUnauthorized };
}

function App() {
  const [session, setSession] = useState<Session | undefined>(undefined);
  const [restoring, setRestoring] = useState(() => storedKey() !== undefined);
  const [expired, setExpired] = useState(false);
  const [restoreError, setRestoreError] = useState<string | undefined>(undefined);

  const signOut = useMemo(
    () => (why?: 'expired') => {
      storeKey(undefined);
      setSession(undefined);
      setExpired(why === 'expired');
    },
    [],
  );

  const signIn = async (key: string) => {
    const opened = await openSession(key, () => signOut('expired'));
    storeKey(key);
    setExpired(false);
    setSession(opened);
  };

  useEffect(() => {
    const key = storedKey();
    if (key === undefined) return;
    signIn(key)
      .catch((error: unknown) => {
        // Only a refusal of the key ends the session; an API that is restarting or unreachable
        // keeps the key, and the sign-in page says what happened.
        if (error instanceof ApiError && error.status === 401) signOut('expired');
        else setRestoreError(error instanceof ApiError ? error.message : String(error));
      })
      .finally(() => setRestoring(false));
    // Only once, at load: a stored key from earlier in this tab.
  }, []);

  if (restoring) return <p class="muted center">Signing in…</p>;
  if (!session) return <SignIn onSignIn={signIn} expired={expired} initialKey={storedKey()} notice={restoreError} />;
  return (
    <SessionContext.Provider value={session}>
      <Shell onSignOut={() => signOut()} />
    </SessionContext.Provider>
  );
}

render(<App />, document.getElementById('app') as HTMLElement);
