import { useEffect, useState } from 'preact/hooks';
import type { ListPage } from '../api';
import { EntityTypeSelect, ErrorNote, Loading, Pager, TableHead, TableScroll, Time } from '../components/ui';
import { useSession } from '../context';
import { href, navigate } from '../router';
import type { EntitySummary } from '../types';
import { usePages } from '../use-pages';

function Results({ entityType, q }: { entityType: string; q: string | undefined }) {
  const { client } = useSession();
  const pages = usePages(
    (cursor) => client.get<ListPage<EntitySummary>>('/api/v1/entities', { entity_type: entityType, q, limit: 25, ...cursor }),
    [entityType, q],
    (entity) => entity.entity_id,
  );
  const list = pages.data?.data ?? [];
  return (
    <>
      <ErrorNote error={pages.error} context="Searching entities" />
      <Loading when={pages.loading && list.length === 0} />
      {list.length === 0 && !pages.loading && !pages.error ? (
        <p class="empty">
          No {entityType} {q ? `whose id contains “${q}”` : 'yet'}.
        </p>
      ) : (
        <TableScroll label={`${entityType} entities, most recently changed first`}>
          <table>
            <TableHead columns={['Entity id', 'Last event', 'Events', 'State', 'Updated']} />
            <tbody>
              {list.map((entity) => (
                <tr key={entity.entity_id}>
                  <td>
                    <a href={href(['entities', entity.entity_type, entity.entity_id])}>
                      <code>{entity.entity_id}</code>
                    </a>
                  </td>
                  <td>{entity.last_event_type ?? '—'}</td>
                  <td>{entity.version}</td>
                  <td>{entity.deleted ? <span class="badge status-failed">deleted</span> : 'live'}</td>
                  <td>
                    <Time iso={entity.updated_at} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
      <Pager hasNewer={pages.hasNewer} hasOlder={pages.hasOlder} onNewer={pages.newer} onOlder={pages.older} label="Entity pages" />
    </>
  );
}

export function EntitiesPage({ query }: { query: URLSearchParams }) {
  const { entities } = useSession();
  const entityType = query.get('entity_type') ?? '';
  const q = query.get('q') ?? '';
  const [draft, setDraft] = useState({ entityType, q });
  useEffect(() => setDraft({ entityType, q }), [entityType, q]);

  const search = (event: Event) => {
    event.preventDefault();
    navigate(href(['entities'], { entity_type: draft.entityType, q: draft.q.trim() }));
  };
  const open = () => {
    if (draft.entityType && draft.q.trim()) navigate(href(['entities', draft.entityType, draft.q.trim()]));
  };

  return (
    <section>
      <h1>Entities</h1>
      <p class="muted">The current state of each entity and the history of its changes, as the events built them.</p>
      <form class="filters" onSubmit={search} aria-label="Find an entity">
        <div class="field">
          <label for="entity-type">Entity type</label>
          <EntityTypeSelect
            id="entity-type"
            entities={entities}
            value={draft.entityType}
            emptyLabel="Choose a type…"
            required
            onChange={(value) => setDraft({ ...draft, entityType: value })}
          />
        </div>
        <div class="field">
          <label for="entity-q">Entity id</label>
          <input
            id="entity-q"
            type="search"
            value={draft.q}
            placeholder="all or part of the id"
            onInput={(event) => setDraft({ ...draft, q: event.currentTarget.value })}
          />
        </div>
        <div class="actions">
          <button type="submit" class="primary">
            Search
          </button>
          <button type="button" onClick={open} disabled={!draft.entityType || !draft.q.trim()}>
            Open this exact id
          </button>
        </div>
      </form>
      {entityType ? (
        <Results entityType={entityType} q={q || undefined} />
      ) : (
        <p class="muted">Choose an entity type to list its entities.</p>
      )}
    </section>
  );
}
