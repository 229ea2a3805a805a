import { useState } from 'preact/hooks';
import { ApiError } from '../api';

export function SignIn(props: {
  onSignIn: (key: string) => Promise<void>;
  expired: boolean;
  initialKey?: string | undefined;
  notice?: string | undefined;
}) {
  const { onSignIn, expired } = props;
  const [key, setKey] = useState(props.initialKey ?? '');
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    const trimmed = key.trim();
    if (!/^evp_sk_\S+$/.test(trimmed)) {
      setError('An API key starts with evp_sk_. Create one with `npx evp keys create --org <org>`.');
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await onSignIn(trimmed);
    } catch (caught) {
      setError(caught instanceof ApiError ? caught.message : String(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="sign-in" id="main">
      <h1>event-pipeline console</h1>
      <p>Browse and follow your organization's events, inspect entities and manage where events are delivered.</p>
      <form onSubmit={(event) => void submit(event)}>
        <label for="api-key">API key</label>
        <input
          id="api-key"
          name="api-key"
          type="password"
          autoComplete="off"
          spellcheck={false}
          placeholder="evp_sk_…"
          value={key}
          onInput={(event) => setKey(event.currentTarget.value)}
          aria-invalid={error !== undefined}
          aria-describedby={error ? 'sign-in-error' : undefined}
          required
        />
        <small class="muted">Kept in this tab's session storage only; closing the tab signs you out.</small>
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        {props.notice && !error ? (
          <p class="error" role="alert">
            Could not reach the Events API ({props.notice}). Your key is kept: sign in again when it answers.
          </p>
        ) : null}
        {expired && !error ? (
          <p class="note" role="status">
            The key was refused (revoked or unknown). Sign in again.
          </p>
        ) : null}
        {error ? (
          <p class="error" role="alert" id="sign-in-error">
            {error}
          </p>
        ) : null}
      </form>
    </main>
  );
}
