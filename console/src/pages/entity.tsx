import { useEffect, useState } from 'preact/hooks';
import type { ApiError, ListPage } from '../api';
import { ErrorNote, JsonView, Loading, SeverityBadge, Time } from '../components/ui';
import { useSession } from '../context';
import { formatValue } from '../format';
import { href } from '../router';
import type { EntityObject, HistoryItem } from '../types';
import { useLoad } from '../use-load';

/** The entity's history, oldest first, as a timeline; "Load more" follows the cursor. */
function Timeline({ entityType, entityId }: { entityType: string; entityId: string }) {
  const { client } = useSession();
  const [items, setItems] = useState<HistoryItem[]>([]);
  const [hasMore, setHasMore] = useState(false);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const path = `/api/v1/entities/${encodeURIComponent(entityType)}/${encodeURIComponent(entityId)}/history`;

  const load = async (after: string | undefined, reset: boolean) => {
    setLoading(true);
    try {
      const page = await client.get<ListPage<HistoryItem>>(path, { limit: 50, starting_after: after });
      setItems((previous) => (reset ? page.data : [...previous, ...page.data]));
      setHasMore(page.has_more);
      setError(undefined);
    } catch (caught) {
      setError(caught as ApiError);
    } finally {
      setLoading(false);
    }
  };
  useEffect(() => void load(undefined, true), [path]);

  return (
    <>
      <ErrorNote error={error} context="History" />
      <ol class="timeline" aria-label={`History of ${entityType} ${entityId}, oldest first`}>
        {items.map((item, index) => (
          <li key={item.id} class={`step severity-edge-${item.severity}`}>
            <div class="step-head">
              <span class="step-number" aria-hidden="true">
                {index + 1}
              </span>
              <a href={href(['events', item.id])}>{item.type}</a>
              <SeverityBadge severity={item.severity} />
              <Time iso={item.occurred_at} />
              {item.actor ? <span class="muted">by {item.actor}</span> : null}
            </div>
            {item.changes.length > 0 ? (
              <ul class="changes">
                {item.changes.map((change) => (
                  <li key={change.attribute}>
                    <code>{change.attribute}</code>: <del>{formatValue(change.previous)}</del> → <ins>{formatValue(change.current)}</ins>
                  </li>
                ))}
              </ul>
            ) : (
              <p class="muted step-note">
                {item.action === 'created' ? 'Created with the data of this event.' : `${item.action}; no attribute reported as changed.`}
              </p>
            )}
          </li>
        ))}
      </ol>
      <Loading when={loading} />
      {hasMore && !loading ? (
        <button type="button" onClick={() => void load(items[items.length - 1]?.id, false)}>
          Load later events
        </button>
      ) : null}
    </>
  );
}

export function EntityPage({ entityType, entityId }: { entityType: string; entityId: string }) {
  const { client } = useSession();
  const entity = useLoad(
    () => client.get<EntityObject>(`/api/v1/entities/${encodeURIComponent(entityType)}/${encodeURIComponent(entityId)}`),
    [entityType, entityId],
  );
  const value = entity.data;
  return (
    <section>
      <p class="crumbs">
        <a href={href(['entities'], { entity_type: entityType })}>Entities</a> / {entityType} / <code>{entityId}</code>
      </p>
      <div class="heading">
        <h1>
          {entityType} <code>{entityId}</code>
        </h1>
        {value?.deleted ? <span class="badge status-failed">deleted</span> : null}
      </div>
      <ErrorNote error={entity.error} context="This entity" />
      <Loading when={entity.loading && !value} />
      {value ? (
        <div class="columns">
          <div>
            <h2>Current state</h2>
            <p class="muted">
              {value.version} event{value.version === 1 ? '' : 's'} stored · first seen <Time iso={value.created_at} /> · updated{' '}
              <Time iso={value.updated_at} />
            </p>
            <JsonView value={value.data} label="Current state" />
            <p>
              <a href={href(['events'], { entity_type: entityType, entity_id: entityId })}>Its events in the event log</a>
            </p>
          </div>
          <div>
            <h2>History</h2>
            <Timeline key={`${entityType}/${entityId}`} entityType={entityType} entityId={entityId} />
          </div>
        </div>
      ) : null}
    </section>
  );
}
