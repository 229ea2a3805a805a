import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiError } from './api';

export interface Loaded<T> {
  readonly data: T | undefined;
  readonly error: ApiError | undefined;
  readonly loading: boolean;
  reload: () => void;
}

interface State<T> {
  readonly key: string;
  readonly data?: T;
  readonly error?: ApiError;
  readonly loading: boolean;
}

/**
 * Loads `load()` whenever `deps` change; an answer that arrives after a newer request started is
 * ignored, so a fast typist never sees an older page replace a newer one. What was loaded for
 * other deps is never shown (another destination's details under this one's title); `reload()`
 * keeps the current data on screen while it asks again.
 */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const key = JSON.stringify(deps);
  const [state, setState] = useState<State<T>>({ key, loading: true });
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    let current = true;
    setState((previous) => (previous.key === key ? { ...previous, loading: true } : { key, loading: true }));
    load().then(
      (data) => current && setState({ key, data, loading: false }),
      (error: unknown) =>
        current &&
        setState({ key, error: error instanceof ApiError ? error : new ApiError(0, 'console_error', String(error)), loading: false }),
    );
    return () => {
      current = false;
    };
  }, [key, generation]);
  const reload = useCallback(() => setGeneration((n) => n + 1), []);
  const mine = state.key === key;
  return { data: mine ? state.data : undefined, error: mine ? state.error : undefined, loading: !mine || state.loading, reload };
}
