import { targetOf } from '../../../destinations/index';
import type { ListPage } from '../api';
import { ErrorNote, Loading, Pager, TableScroll, Time, TableHead } from '../components/ui';
import { useMay, useSession } from '../context';
import { href } from '../router';
import type { Destination } from '../types';
import { usePages } from '../use-pages';

/** A URL, a directory, or a topic `on` its brokers (destinations/<type>/kind.ts says which). */
export function destinationTarget(destination: Destination): string {
  const target = targetOf(destination);
  if (target === undefined) return '';
  return target.on === undefined ? target.name : `${target.name} on ${target.on}`;
}

/**
 * Active, failing (active, with `destination.failing` published and no recovery since), paused (by
 * someone) or disabled (by the streamer, after a 410 or days of failures).
 */
export function DestinationState({
  destination,
}: {
  destination: Pick<Destination, 'active' | 'disabled_reason'> & { readonly alerts?: Pick<Destination['alerts'], 'raised_at'> };
}) {
  if (destination.active && destination.alerts?.raised_at) return <span class="badge status-needs_retry">failing</span>;
  if (destination.active) return <span class="badge status-delivered">active</span>;
  if (destination.disabled_reason) return <span class="badge status-failed">disabled</span>;
  return <span class="badge status-pending">paused</span>;
}

export function DestinationsPage() {
  const { client } = useSession();
  const manages = useMay('destinations:write');
  const pages = usePages((cursor) => client.get<ListPage<Destination>>('/api/v1/destinations', { limit: 25, ...cursor }), []);
  const list = pages.data?.data ?? [];
  return (
    <section>
      <div class="heading">
        <h1>Destinations</h1>
        {manages ? (
          <a class="button primary" href="#/destinations/new">
            New destination
          </a>
        ) : null}
      </div>
      <p class="muted">Where your events are sent: signed webhooks, Kafka topics or files, each with its delivery log.</p>
      <ErrorNote error={pages.error} context="Listing destinations" />
      <Loading when={pages.loading && list.length === 0} />
      {list.length === 0 && !pages.loading && !pages.error ? (
        <p class="empty">
          No destination yet.{' '}
          {manages ? (
            <>
              <a href="#/destinations/new">Create one</a> to receive events.
            </>
          ) : (
            'A key with the destinations:write scope can create one.'
          )}
        </p>
      ) : (
        <TableScroll label="Destinations, newest first">
          <table>
            <TableHead columns={['Destination', 'Type', 'Sends to', 'Event types', 'State', 'Failing since']} />
            <tbody>
              {list.map((destination) => (
                <tr key={destination.id}>
                  <td>
                    <a href={href(['destinations', destination.id])}>{destination.description || destination.id}</a>
                  </td>
                  <td>{destination.type}</td>
                  <td class="wrap">
                    <code>{destinationTarget(destination)}</code>
                  </td>
                  <td class="wrap">{destination.event_types.join(', ')}</td>
                  <td>
                    <DestinationState destination={destination} />
                  </td>
                  <td>{destination.failing_since ? <Time iso={destination.failing_since} /> : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
      <Pager hasNewer={pages.hasNewer} hasOlder={pages.hasOlder} onNewer={pages.newer} onOlder={pages.older} label="Destination pages" />
    </section>
  );
}
