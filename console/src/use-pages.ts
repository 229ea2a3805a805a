import { useEffect, useState } from 'preact/hooks';
import type { ListPage } from './api';
import { useLoad, type Loaded } from './use-load';

export type Cursor = { readonly starting_after: string } | { readonly ending_before: string } | Record<string, never>;

export interface Pages<T> extends Loaded<ListPage<T>> {
  readonly cursor: Cursor;
  readonly hasNewer: boolean;
  readonly hasOlder: boolean;
  newer: () => void;
  older: () => void;
  first: () => void;
}

/**
 * Cursor paging as the API does it: `starting_after` the last item for the older page,
 * `ending_before` the first for the newer one; `has_more` speaks of the direction just taken.
 * Changing `deps` (the filters) goes back to the first page.
 */
export function usePages<T extends { id?: string; entity_id?: string }>(
  load: (cursor: Cursor) => Promise<ListPage<T>>,
  deps: readonly unknown[],
  idOf: (item: T) => string = (item) => item.id ?? '',
): Pages<T> {
  const depsKey = JSON.stringify(deps);
  // The cursor belongs to the filters it was taken under: new filters start from the first page.
  const [state, setState] = useState<{ depsKey: string; cursor: Cursor }>({ depsKey, cursor: {} });
  const cursor = state.depsKey === depsKey ? state.cursor : {};
  const setCursor = (next: Cursor) => setState({ depsKey, cursor: next });
  const loaded = useLoad(() => load(cursor), [depsKey, JSON.stringify(cursor)]);
  const page = loaded.data;
  const items = page?.data ?? [];
  const backwards = 'ending_before' in cursor;
  const forwards = 'starting_after' in cursor;
  const hasOlder = backwards ? items.length > 0 : (page?.has_more ?? false);
  const hasNewer = forwards ? items.length > 0 : backwards ? (page?.has_more ?? false) : false;
  // Paging newer until nothing newer is left is the first page again (live following resumes).
  const backAtStart = backwards && page !== undefined && !loaded.loading && !page.has_more;
  useEffect(() => {
    if (backAtStart) setState({ depsKey, cursor: {} });
  }, [backAtStart, depsKey]);
  return {
    ...loaded,
    cursor,
    hasNewer,
    hasOlder,
    newer: () => {
      const first = items[0];
      setCursor(first ? { ending_before: idOf(first) } : {});
    },
    older: () => {
      const last = items[items.length - 1];
      if (last) setCursor({ starting_after: idOf(last) });
    },
    first: () => setCursor({}),
  };
}
