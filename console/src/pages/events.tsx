import { useEffect, useState } from 'preact/hooks';
import type { ListPage, Params } from '../api';
import { EntityTypeSelect, ErrorNote, Loading, Pager, SeverityBadge, TableHead, TableScroll, Time } from '../components/ui';
import { useSession } from '../context';
import { localInputToRfc3339, rfc3339ToLocalInput } from '../format';
import { href, navigate } from '../router';
import { followEvents, type StreamState } from '../sse';
import type { EventObject } from '../types';
import { usePages } from '../use-pages';

const severities = ['info', 'warn', 'critical'] as const;
const sources = ['api', 'system', 'network', 'policy', 'integration'] as const;
const filterNames = ['type', 'entity_type', 'entity_id', 'severity', 'source', 'q', 'request_id', 'created[gte]', 'created[lte]'] as const;
const liveLimit = 200;

type Filters = Partial<Record<(typeof filterNames)[number], string>>;

function filtersOf(query: URLSearchParams): Filters {
  const filters: Filters = {};
  for (const name of filterNames) {
    const value = query.get(name);
    if (value) filters[name] = value;
  }
  return filters;
}

/** Type suggestions: every catalogue type, and a `<entity>.*` pattern per entity. */
function TypeOptions({ id }: { id: string }) {
  const { eventTypes, entities } = useSession();
  return (
    <datalist id={id}>
      {entities.map((entity) => (
        <option key={`${entity}.*`} value={`${entity}.*`} />
      ))}
      {eventTypes.map((type) => (
        <option key={type.name} value={type.name}>
          {type.description}
        </option>
      ))}
    </datalist>
  );
}

/** A time bound in the viewer's local time, kept as RFC 3339 (what the API takes). */
function TimeBound(props: { id: string; label: string; value: string | undefined; onChange: (value: string) => void }) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <input
        id={props.id}
        type="datetime-local"
        value={rfc3339ToLocalInput(props.value)}
        onInput={(event) => props.onChange(localInputToRfc3339(event.currentTarget.value) ?? '')}
      />
    </div>
  );
}

function FilterForm({ filters }: { filters: Filters }) {
  const { entities } = useSession();
  const [draft, setDraft] = useState(filters);
  useEffect(() => setDraft(filters), [JSON.stringify(filters)]);
  const set = (name: keyof Filters, value: string) => setDraft((previous) => ({ ...previous, [name]: value }));
  const chosen = new Set((draft.severity ?? '').split(',').filter(Boolean));

  const apply = (event: Event) => {
    event.preventDefault();
    navigate(href(['events'], draft));
  };

  // Open on a wide screen; on a phone the list comes first and the filters are one tap away.
  const [open, setOpen] = useState(() => window.matchMedia('(min-width: 801px)').matches);
  const active = Object.keys(filters).length;

  return (
    <details class="filter-box" open={open} onToggle={(event) => setOpen(event.currentTarget.open)}>
      <summary>Filters{active > 0 ? ` (${active} active)` : ''}</summary>
      <form class="filters" onSubmit={apply} aria-label="Filter events">
        <div class="field">
          <label for="filter-type">Type</label>
          <input
            id="filter-type"
            list="event-type-options"
            value={draft.type ?? ''}
            placeholder="invoice.paid, crm.*"
            onInput={(event) => set('type', event.currentTarget.value)}
            aria-describedby="filter-type-hint"
          />
          <small id="filter-type-hint" class="muted">
            Types or patterns, comma separated
          </small>
          <TypeOptions id="event-type-options" />
        </div>
        <div class="field">
          <label for="filter-entity-type">Entity type</label>
          <EntityTypeSelect
            id="filter-entity-type"
            entities={entities}
            value={draft.entity_type ?? ''}
            emptyLabel="Any"
            onChange={(value) => set('entity_type', value)}
          />
        </div>
        <div class="field">
          <label for="filter-entity-id">Entity id</label>
          <input id="filter-entity-id" value={draft.entity_id ?? ''} onInput={(event) => set('entity_id', event.currentTarget.value)} />
        </div>
        <fieldset class="field">
          <legend>Severity</legend>
          <div class="checks">
            {severities.map((severity) => (
              <label key={severity} class="check">
                <input
                  type="checkbox"
                  checked={chosen.has(severity)}
                  onChange={(event) => {
                    const next = new Set(chosen);
                    if (event.currentTarget.checked) next.add(severity);
                    else next.delete(severity);
                    set('severity', severities.filter((s) => next.has(s)).join(','));
                  }}
                />
                <SeverityBadge severity={severity} />
              </label>
            ))}
          </div>
        </fieldset>
        <div class="field">
          <label for="filter-source">Source</label>
          <select id="filter-source" value={draft.source ?? ''} onChange={(event) => set('source', event.currentTarget.value)}>
            <option value="">Any</option>
            {sources.map((source) => (
              <option key={source} value={source}>
                {source}
              </option>
            ))}
          </select>
        </div>
        <TimeBound id="filter-from" label="From" value={draft['created[gte]']} onChange={(value) => set('created[gte]', value)} />
        <TimeBound id="filter-to" label="To" value={draft['created[lte]']} onChange={(value) => set('created[lte]', value)} />
        <div class="field">
          <label for="filter-q">Search</label>
          <input
            id="filter-q"
            type="search"
            value={draft.q ?? ''}
            placeholder="event id, entity id, email…"
            onInput={(event) => set('q', event.currentTarget.value)}
          />
        </div>
        <div class="actions">
          <button type="submit" class="primary">
            Apply filters
          </button>
          <a class="button" href="#/events">
            Clear
          </a>
        </div>
      </form>
    </details>
  );
}

export function EventRow({ event, fresh = false }: { event: EventObject; fresh?: boolean }) {
  return (
    <tr class={fresh ? 'fresh' : undefined} data-event-id={event.id}>
      <td>
        <Time iso={event.created_at} />
      </td>
      <td>
        <a href={href(['events', event.id])}>{event.type}</a>
      </td>
      <td>
        <a href={href(['entities', event.entity_type, event.entity_id])}>{event.entity_id}</a>
      </td>
      <td>
        <SeverityBadge severity={event.severity} />
      </td>
      <td>{event.source}</td>
      <td>
        <code>{event.id}</code>
      </td>
    </tr>
  );
}

export function EventTable({ events, fresh, label }: { events: readonly EventObject[]; fresh?: ReadonlySet<string>; label: string }) {
  return (
    <TableScroll label={label}>
      <table>
        <TableHead columns={['Created', 'Type', 'Entity', 'Severity', 'Source', 'Event id']} />
        <tbody>
          {events.map((event) => (
            <EventRow key={event.id} event={event} fresh={fresh?.has(event.id) ?? false} />
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}

const stateLabels: Record<StreamState, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  stopped: 'Paused',
};

export function EventsPage({ query }: { query: URLSearchParams }) {
  const { client, key, onUnauthorized } = useSession();
  const filters = filtersOf(query);
  const filtersKey = JSON.stringify(filters);
  const params: Params = { ...filters, limit: 25 };
  const pages = usePages((cursor) => client.get<ListPage<EventObject>>('/api/v1/events', { ...params, ...cursor }), [filters]);
  const [liveWanted, setLiveWanted] = useState(true);
  const [live, setLive] = useState<{ events: EventObject[]; more: number }>({ events: [], more: 0 });
  const [stream, setStream] = useState<{ state: StreamState; detail?: string | undefined }>({ state: 'stopped' });
  const [announced, setAnnounced] = useState(0);

  const onFirstPage = Object.keys(pages.cursor).length === 0;
  // A window that ends in the past gets no new events.
  const liveAllowed = onFirstPage && filters['created[lte]'] === undefined;
  const following = liveWanted && liveAllowed;
  const cursorKey = JSON.stringify(pages.cursor);
  const { reload } = pages;

  useEffect(() => setLive({ events: [], more: 0 }), [filtersKey, cursorKey, following]);

  // Follow from now, then read the first page again once the stream is open: what was stored
  // before the stream's position is in that page, everything after it comes live (duplicates are
  // merged by id), so nothing falls between the two.
  useEffect(() => {
    if (!following) return undefined;
    const { 'created[gte]': _from, 'created[lte]': _to, ...streamFilters } = filters;
    let opened = false;
    return followEvents<EventObject>({
      key,
      params: streamFilters,
      onUnauthorized,
      onEvent: (event) =>
        setLive((previous) => {
          if (previous.events.some((e) => e.id === event.id)) return previous;
          // Past the cap the list stops growing (so it never has a hole) and counts what it left out.
          if (previous.events.length >= liveLimit) return { ...previous, more: previous.more + 1 };
          return { events: [event, ...previous.events], more: previous.more };
        }),
      onState: (state, detail) => {
        setStream({ state, detail });
        if (state === 'live' && !opened) {
          opened = true;
          reload();
        }
      },
    });
  }, [following, filtersKey, key, onUnauthorized, reload]);

  // Screen readers hear the count of new events at most every 5 s, not at every event.
  useEffect(() => {
    const timer = setInterval(() => setAnnounced(live.events.length + live.more), 5_000);
    return () => clearInterval(timer);
  }, [live]);

  const page = pages.data?.data ?? [];
  const liveIds = new Set(live.events.map((event) => event.id));
  const shown = [...live.events, ...page.filter((event) => !liveIds.has(event.id))].sort((a, b) =>
    a.id < b.id ? 1 : a.id > b.id ? -1 : 0,
  );
  const fresh = new Set([...liveIds].filter((id) => !page.some((event) => event.id === id)));
  const showLatest = () => {
    setLive({ events: [], more: 0 });
    reload();
  };

  return (
    <section>
      <div class="heading">
        <h1>Events</h1>
        <div class="live">
          <label class="check">
            <input
              type="checkbox"
              checked={liveWanted && liveAllowed}
              disabled={!liveAllowed}
              onChange={(event) => setLiveWanted(event.currentTarget.checked)}
            />
            Follow live
          </label>
          <span class={`stream-state state-${following ? stream.state : 'stopped'}`} role="status">
            {following ? stateLabels[stream.state] : liveAllowed ? 'Paused' : 'Live only on the first page of an open window'}
            {following && stream.detail ? ` (${stream.detail})` : ''}
          </span>
        </div>
      </div>
      <FilterForm filters={filters} />
      <ErrorNote error={pages.error} context="Listing events" />
      <p class="sr-only" aria-live="polite">
        {announced > 0 ? `${announced} new event${announced === 1 ? '' : 's'}` : ''}
      </p>
      {live.more > 0 ? (
        <p class="note">
          {live.more} more new event{live.more === 1 ? '' : 's'} arrived.{' '}
          <button type="button" onClick={showLatest}>
            Show the latest
          </button>
        </p>
      ) : null}
      {shown.length === 0 && !pages.loading && !pages.error ? (
        <p class="empty">No events match these filters{following ? ' yet; new ones will appear here' : ''}.</p>
      ) : (
        <EventTable events={shown} fresh={fresh} label="Events, newest first" />
      )}
      <Loading when={pages.loading && shown.length === 0} />
      <Pager hasNewer={pages.hasNewer} hasOlder={pages.hasOlder} onNewer={pages.newer} onOlder={pages.older} label="Event pages" />
    </section>
  );
}
