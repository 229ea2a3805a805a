import { useEffect, useState } from 'preact/hooks';
import type { ListPage } from '../api';
import { seriesOf } from '../chart-data';
import { StackedBars } from '../components/chart';
import { ErrorNote, Pager, TableScroll, Time, TableHead } from '../components/ui';
import { useMay, useSession } from '../context';
import { href } from '../router';
import type { ConsumerLag, DeadLetter, DestinationStats, EventStats } from '../types';
import { useLoad } from '../use-load';
import { usePages } from '../use-pages';
import { DestinationState } from './destinations';

const refreshMs = 10_000;

/** Reloads `reload` every `ms` while the page is visible. */
function useEvery(ms: number, reload: () => void) {
  useEffect(() => {
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') reload();
    }, ms);
    return () => clearInterval(timer);
  }, [ms, reload]);
}

function EventsChart() {
  const { client } = useSession();
  const [minutes, setMinutes] = useState(60);
  const [by, setBy] = useState<'severity' | 'type'>('severity');
  const stats = useLoad(() => client.get<EventStats>('/api/v1/stats/events', { minutes }), [minutes]);
  useEvery(refreshMs, stats.reload);
  const shaped = stats.data ? seriesOf(stats.data, by) : undefined;
  return (
    <section class="panel" aria-labelledby="rate-heading">
      <div class="heading">
        <h2 id="rate-heading">Events per minute</h2>
        <div class="inline-form">
          <div class="field inline">
            <label for="chart-window">Window</label>
            <select id="chart-window" value={String(minutes)} onChange={(e) => setMinutes(Number(e.currentTarget.value))}>
              <option value="15">15 minutes</option>
              <option value="60">1 hour</option>
              <option value="360">6 hours</option>
              <option value="1440">24 hours</option>
            </select>
          </div>
          <div class="field inline">
            <label for="chart-by">By</label>
            <select id="chart-by" value={by} onChange={(e) => setBy(e.currentTarget.value as 'severity' | 'type')}>
              <option value="severity">severity</option>
              <option value="type">type</option>
            </select>
          </div>
        </div>
      </div>
      <ErrorNote error={stats.error} context="Event counts" />
      {shaped ? <StackedBars buckets={shaped.buckets} series={shaped.series} label={`Events per minute by ${by}`} /> : null}
    </section>
  );
}

function Lag() {
  const { client } = useSession();
  const lag = useLoad(() => client.get<ListPage<ConsumerLag> & { error?: string }>('/api/v1/stats/consumers'), []);
  useEvery(refreshMs, lag.reload);
  const groups = lag.data?.data ?? [];
  return (
    <section class="panel" aria-labelledby="lag-heading">
      <h2 id="lag-heading">Consumer lag</h2>
      <ErrorNote error={lag.error} context="Consumer lag" />
      {lag.data?.error ? <p class="note">Kafka did not answer: {lag.data.error}</p> : null}
      {groups.length === 0 && lag.data ? <p class="empty">No consumer has stored a position yet.</p> : null}
      {groups.length > 0 ? (
        <TableScroll label="Consumer lag per group">
          <table>
            <TableHead columns={['Consumer group', 'Lag (records)', 'Partitions', 'Last stored']} />
            <tbody>
              {groups.map((group) => (
                <tr key={group.group_id}>
                  <td>
                    <code>{group.group_id}</code>
                  </td>
                  <td class={group.lag !== null && group.lag > 0 ? 'warn-text' : undefined}>{group.lag ?? 'unknown'}</td>
                  <td>{group.partitions.length}</td>
                  <td>
                    <Time iso={group.updated_at} relative />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      ) : null}
    </section>
  );
}

function DestinationHealth() {
  const { client } = useSession();
  const stats = useLoad(() => client.get<ListPage<DestinationStats>>('/api/v1/stats/destinations'), []);
  useEvery(refreshMs, stats.reload);
  const list = stats.data?.data ?? [];
  return (
    <section class="panel" aria-labelledby="delivery-heading">
      <h2 id="delivery-heading">Deliveries</h2>
      <ErrorNote error={stats.error} context="Delivery figures" />
      {list.length === 0 && stats.data ? (
        <p class="empty">
          No destination. <a href="#/destinations/new">Create one</a>.
        </p>
      ) : null}
      {list.length > 0 ? (
        <TableScroll label="Delivery health per destination">
          <table>
            <TableHead columns={['Destination', 'State', 'Success, last hour', 'Queue', 'Oldest waiting', 'Failed']} />
            <tbody>
              {list.map((row) => (
                <tr key={row.destination_id}>
                  <td>
                    <a href={href(['destinations', row.destination_id])}>{row.description || row.destination_id}</a>
                  </td>
                  <td>
                    <DestinationState destination={row} />
                  </td>
                  <td>
                    {row.last_hour.success_rate === null
                      ? 'no attempts'
                      : `${(row.last_hour.success_rate * 100).toFixed(1)} % of ${row.last_hour.attempts}`}
                  </td>
                  <td>{row.queue_depth}</td>
                  <td>{row.oldest_pending_at ? <Time iso={row.oldest_pending_at} relative /> : '—'}</td>
                  <td>
                    {row.deliveries.failed > 0 ? (
                      <a href={href(['destinations', row.destination_id], { status: 'failed' })}>{row.deliveries.failed}</a>
                    ) : (
                      0
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      ) : null}
    </section>
  );
}

function DeadLetters() {
  const { client } = useSession();
  const pages = usePages((cursor) => client.get<ListPage<DeadLetter>>('/api/v1/dead-letters', { limit: 10, ...cursor }), []);
  useEvery(refreshMs, pages.reload);
  const list = pages.data?.data ?? [];
  return (
    <section class="panel" aria-labelledby="dead-heading">
      <h2 id="dead-heading">Dead letters</h2>
      <p class="muted small">Records that could not be stored, kept with the reason (never dropped).</p>
      <ErrorNote error={pages.error} context="Dead letters" />
      {list.length === 0 && pages.data ? <p class="empty">None.</p> : null}
      {list.length > 0 ? (
        <TableScroll label="Dead letters, newest first">
          <table>
            <TableHead columns={['Failed', 'Reason', 'Record', 'Event']} />
            <tbody>
              {list.map((letter) => (
                <tr key={letter.id}>
                  <td>
                    <Time iso={letter.failed_at} />
                  </td>
                  <td class="wrap">
                    <code>{letter.reason_code}</code> {letter.reason}
                  </td>
                  <td>
                    <code>
                      {letter.topic}[{letter.partition}]@{letter.offset}
                    </code>
                  </td>
                  <td>{letter.event_type ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      ) : null}
      <Pager hasNewer={pages.hasNewer} hasOlder={pages.hasOlder} onNewer={pages.newer} onOlder={pages.older} label="Dead-letter pages" />
    </section>
  );
}

/** Each part is there only for a key that may read it: a destinations-only key sees their health alone. */
export function OverviewPage() {
  const readsEvents = useMay('events:read');
  const readsDestinations = useMay('destinations:read');
  return (
    <section>
      <h1>Overview</h1>
      {readsEvents ? <EventsChart /> : null}
      <div class="columns overview-columns">
        {readsDestinations ? <DestinationHealth /> : null}
        {readsEvents ? <Lag /> : null}
      </div>
      {readsEvents ? <DeadLetters /> : null}
    </section>
  );
}
