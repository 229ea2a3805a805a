import type { ListPage } from '../api';
import { ErrorNote, JsonView, Loading, Pager, SeverityBadge, StatusBadge, TableScroll, Time, TableHead } from '../components/ui';
import { useMay, useSession } from '../context';
import { diffAttributes, formatValue } from '../format';
import { href } from '../router';
import type { Delivery, EventObject } from '../types';
import { useLoad } from '../use-load';
import { usePages } from '../use-pages';

/** previous_attributes against data: what the update changed, before and after. */
export function ChangeTable({ changes, caption }: { changes: ReturnType<typeof diffAttributes>; caption: string }) {
  if (changes.length === 0) return <p class="muted">No attribute changed (not an update, or no previous values were reported).</p>;
  return (
    <TableScroll label={caption}>
      <table class="diff">
        <caption class="sr-only">{caption}</caption>
        <TableHead columns={['Attribute', 'Before', 'After']} />
        <tbody>
          {changes.map((change) => (
            <tr key={change.attribute} class={`change-${change.kind}`}>
              <th scope="row">
                <code>{change.attribute}</code>
              </th>
              <td class="before">
                <del>{formatValue(change.previous)}</del>
              </td>
              <td class="after">
                <ins>{formatValue(change.current)}</ins>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}

/** As many as a destination's delivery log shows at once. */
const deliveriesPerPage = 25;

/** Where the event went: a delivery per destination, a page at a time, since there may be many. */
function EventDeliveries({ eventId }: { eventId: string }) {
  const { client } = useSession();
  const pages = usePages(
    (cursor) => client.get<ListPage<Delivery>>('/api/v1/deliveries', { event_id: eventId, limit: deliveriesPerPage, ...cursor }),
    [eventId],
  );
  const list = pages.data?.data ?? [];
  // Past the first page the pager stays while the next one loads, so the focus on its button does too.
  const paged = pages.hasOlder || Object.keys(pages.cursor).length > 0;
  return (
    <>
      <ErrorNote error={pages.error} context="Deliveries" />
      <Loading when={pages.loading && list.length === 0} />
      {list.length === 0 && !pages.loading && !pages.error && !paged ? <p class="muted">No destination subscribed to this event.</p> : null}
      {list.length === 0 ? null : (
        <TableScroll label="Deliveries of this event">
          <table class="event-deliveries">
            <TableHead columns={['Delivery', 'Destination', 'Status', 'Attempts', 'Last attempt']} />
            <tbody>
              {list.map((delivery) => (
                <tr key={delivery.id}>
                  <td>
                    <a href={href(['deliveries', delivery.id])}>
                      <code>{delivery.id}</code>
                    </a>
                  </td>
                  <td>
                    <a href={href(['destinations', delivery.destination_id])}>
                      <code>{delivery.destination_id}</code>
                    </a>
                  </td>
                  <td>
                    <StatusBadge status={delivery.status} />
                  </td>
                  <td>{delivery.times_attempted}</td>
                  <td>
                    <Time iso={delivery.last_attempt_at} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
      {paged ? (
        <Pager hasNewer={pages.hasNewer} hasOlder={pages.hasOlder} onNewer={pages.newer} onOlder={pages.older} label="Delivery pages" />
      ) : null}
    </>
  );
}

export function EventPage({ id }: { id: string }) {
  const { client } = useSession();
  const readsDeliveries = useMay('destinations:read');
  const event = useLoad(() => client.get<EventObject>(`/api/v1/events/${encodeURIComponent(id)}`), [id]);
  const value = event.data;
  return (
    <section>
      <p class="crumbs">
        <a href="#/events">Events</a> / <code>{id}</code>
      </p>
      <ErrorNote error={event.error} context="This event" />
      <Loading when={event.loading && !value} />
      {value ? (
        <>
          <div class="heading">
            <h1>{value.type}</h1>
            <SeverityBadge severity={value.severity} />
          </div>
          <dl class="envelope">
            <dt>Event id</dt>
            <dd>
              <code>{value.id}</code>
            </dd>
            <dt>Entity</dt>
            <dd>
              <a href={href(['entities', value.entity_type, value.entity_id])}>
                {value.entity_type} <code>{value.entity_id}</code>
              </a>
            </dd>
            <dt>Action</dt>
            <dd>{value.action}</dd>
            <dt>Occurred</dt>
            <dd>
              <Time iso={value.occurred_at} />
            </dd>
            <dt>Created</dt>
            <dd>
              <Time iso={value.created_at} />
            </dd>
            <dt>Source</dt>
            <dd>{value.source}</dd>
            <dt>Actor</dt>
            <dd>{value.actor ?? '—'}</dd>
            <dt>Request</dt>
            <dd>{value.request_id ? <a href={href(['events'], { request_id: value.request_id })}>{value.request_id}</a> : '—'}</dd>
            <dt>Organization</dt>
            <dd>{value.organization_id}</dd>
          </dl>
          <h2>What changed</h2>
          <ChangeTable changes={diffAttributes(value.previous_attributes, value.data)} caption="previous_attributes against data" />
          <h2>Data</h2>
          <JsonView value={value.data} label="The entity after the event" />
          {readsDeliveries ? (
            <>
              <h2>Deliveries</h2>
              <EventDeliveries eventId={value.id} />
            </>
          ) : null}
          <details>
            <summary>The whole event as JSON</summary>
            <JsonView value={value} label="The event object" />
          </details>
        </>
      ) : null}
    </section>
  );
}
