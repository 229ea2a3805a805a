import { useEffect, useRef, useState } from 'preact/hooks';
import { kindOf } from '../../../destinations/index';
import type { ApiError, ListPage } from '../api';
import { ErrorNote, Loading, Pager, StatusBadge, TableHead, TableScroll, Time } from '../components/ui';
import { useMay, useSession } from '../context';
import { localInputToRfc3339, rfc3339ToLocalInput } from '../format';
import { href, navigate } from '../router';
import type { Delivery, DeliveryStatus, Destination } from '../types';
import { useLoad } from '../use-load';
import { usePages } from '../use-pages';
import { DestinationState, destinationTarget } from './destinations';

const statuses: DeliveryStatus[] = ['pending', 'needs_retry', 'delivered', 'failed'];

/** One action's outcome, announced to screen readers. */
function useAction() {
  const [message, setMessage] = useState<string | undefined>(undefined);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const run = async (work: () => Promise<string>) => {
    setBusy(true);
    setError(undefined);
    setMessage(undefined);
    try {
      setMessage(await work());
    } catch (caught) {
      setError(caught as ApiError);
    } finally {
      setBusy(false);
    }
  };
  return { message, error, busy, run };
}

function Outcome({ action }: { action: ReturnType<typeof useAction> }) {
  return (
    <>
      <ErrorNote error={action.error} />
      <p class="note" role="status">
        {action.message ?? ''}
      </p>
    </>
  );
}

export function DeliveryLog({ destinationId, status, refresh }: { destinationId: string; status: string | undefined; refresh: number }) {
  const { client } = useSession();
  const manages = useMay('destinations:write');
  const pages = usePages(
    (cursor) =>
      client.get<ListPage<Delivery>>(`/api/v1/destinations/${encodeURIComponent(destinationId)}/deliveries`, {
        status,
        limit: 25,
        ...cursor,
      }),
    [destinationId, status],
  );
  // Another panel changed something (a test send, a replay): read the same page again, in place.
  const { reload } = pages;
  const first = useRef(true);
  useEffect(() => {
    if (first.current) first.current = false;
    else reload();
  }, [refresh, reload]);
  const retry = useAction();
  const list = pages.data?.data ?? [];
  return (
    <>
      <div class="tabs" role="group" aria-label="Delivery status">
        {[undefined, ...statuses].map((value) => (
          <a
            key={value ?? 'all'}
            class="button"
            href={href(['destinations', destinationId], { status: value })}
            aria-current={status === value ? 'true' : undefined}
          >
            {value === undefined ? 'All' : value === 'needs_retry' ? 'Retrying' : value[0]?.toUpperCase() + value.slice(1)}
          </a>
        ))}
        <button type="button" onClick={pages.reload}>
          Refresh
        </button>
      </div>
      <ErrorNote error={pages.error} context="The delivery log" />
      <Outcome action={retry} />
      <Loading when={pages.loading && list.length === 0} />
      {list.length === 0 && !pages.loading && !pages.error ? (
        <p class="empty">No {status ? `${status} ` : ''}deliveries.</p>
      ) : (
        <TableScroll label="Deliveries, newest first">
          <table class="deliveries">
            <TableHead
              columns={['Recorded', 'Event type', 'Status', 'Attempts', 'Last answer', 'Next attempt', ...(manages ? [''] : [])]}
            />
            <tbody>
              {list.map((delivery) => (
                <tr key={delivery.id} data-delivery-id={delivery.id}>
                  <td>
                    <a href={href(['deliveries', delivery.id])}>
                      <Time iso={delivery.created_at} />
                    </a>
                  </td>
                  <td>
                    {delivery.event_type}
                    {delivery.test ? <span class="badge"> test</span> : null}
                  </td>
                  <td>
                    <StatusBadge status={delivery.status} />
                  </td>
                  <td>{delivery.times_attempted}</td>
                  <td class="wrap">{delivery.last_status_code ?? delivery.last_error ?? '—'}</td>
                  <td>{delivery.next_attempt_at ? <Time iso={delivery.next_attempt_at} /> : '—'}</td>
                  {manages ? (
                    <td>
                      <button
                        type="button"
                        disabled={retry.busy}
                        aria-label={`Retry delivery ${delivery.id}`}
                        onClick={() =>
                          void retry.run(async () => {
                            await client.send('POST', `/api/v1/deliveries/${encodeURIComponent(delivery.id)}/retry`);
                            pages.reload();
                            return `Delivery ${delivery.id} is due again now.`;
                          })
                        }
                      >
                        Retry
                      </button>
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
      <Pager hasNewer={pages.hasNewer} hasOlder={pages.hasOlder} onNewer={pages.newer} onOlder={pages.older} label="Delivery pages" />
    </>
  );
}

function Actions({ destination, onChange }: { destination: Destination; onChange: () => void }) {
  const { client, eventTypes } = useSession();
  const action = useAction();
  const [secret, setSecret] = useState<string | undefined>(undefined);
  const [testType, setTestType] = useState(eventTypes.find((t) => t.name === 'invoice.paid')?.name ?? eventTypes[0]?.name ?? '');
  const path = `/api/v1/destinations/${encodeURIComponent(destination.id)}`;
  const since = new Date(Date.now() - 3_600_000).toISOString();
  const [replay, setReplay] = useState({ since: rfc3339ToLocalInput(since), until: '', status: 'failed' });

  return (
    <div class="action-grid">
      <section class="panel" aria-labelledby="manage-heading">
        <h2 id="manage-heading">Manage</h2>
        <div class="actions">
          <button
            type="button"
            disabled={action.busy}
            onClick={() =>
              void action.run(async () => {
                await client.send('PATCH', path, { active: !destination.active });
                onChange();
                return destination.active ? 'Paused: deliveries are held until you resume.' : 'Resumed: held deliveries are being sent.';
              })
            }
          >
            {destination.active ? 'Pause' : 'Resume'}
          </button>
          <a class="button" href={href(['destinations', destination.id, 'edit'])}>
            Edit
          </a>
          {kindOf(destination.type)?.signed ? (
            <>
              <button
                type="button"
                disabled={action.busy}
                onClick={() =>
                  void action.run(async () => {
                    const rotated = await client.send<Destination>('POST', `${path}/rotate-secret`, {});
                    setSecret(rotated.secret);
                    onChange();
                    return 'New secret made; the old one stays valid for 24 hours.';
                  })
                }
              >
                Rotate secret
              </button>
              <button
                type="button"
                disabled={action.busy}
                onClick={() =>
                  void action.run(async () => {
                    const revealed = await client.get<{ secret: string }>(`${path}/secret`);
                    setSecret(revealed.secret);
                    return 'Secret revealed below.';
                  })
                }
              >
                Reveal secret
              </button>
            </>
          ) : null}
          <button
            type="button"
            class="danger"
            disabled={action.busy}
            onClick={() => {
              if (!confirm(`Delete ${destination.id}? Its delivery log is kept.`)) return;
              void action.run(async () => {
                await client.send('DELETE', path);
                navigate('#/destinations');
                return 'Deleted.';
              });
            }}
          >
            Delete
          </button>
        </div>
        {secret ? (
          <p>
            Signing secret: <code class="secret">{secret}</code>
          </p>
        ) : null}
        <Outcome action={action} />
      </section>
      <section class="panel" aria-labelledby="test-heading">
        <h2 id="test-heading">Send a test event</h2>
        <form
          class="inline-form"
          onSubmit={(event) => {
            event.preventDefault();
            void action.run(async () => {
              const delivery = await client.send<Delivery>('POST', `${path}/test`, { event_type: testType });
              onChange();
              return `Test ${testType} queued as ${delivery.id}.`;
            });
          }}
        >
          <div class="field">
            <label for="test-type">Event type</label>
            <select id="test-type" value={testType} onChange={(event) => setTestType(event.currentTarget.value)}>
              {eventTypes.map((type) => (
                <option key={type.name} value={type.name}>
                  {type.name}
                </option>
              ))}
            </select>
          </div>
          <button type="submit" class="primary" disabled={action.busy}>
            Send test event
          </button>
        </form>
      </section>
      <section class="panel" aria-labelledby="replay-heading">
        <h2 id="replay-heading">Replay a window</h2>
        <form
          class="inline-form"
          onSubmit={(event) => {
            event.preventDefault();
            void action.run(async () => {
              const sinceIso = localInputToRfc3339(replay.since);
              const untilIso = localInputToRfc3339(replay.until);
              const answer = await client.send<{ deliveries: number }>('POST', `${path}/replay`, {
                since: sinceIso ?? '',
                ...(untilIso ? { until: untilIso } : {}),
                status: replay.status,
              });
              onChange();
              return `Replaying ${answer.deliveries} deliver${answer.deliveries === 1 ? 'y' : 'ies'}.`;
            });
          }}
        >
          <div class="field">
            <label for="replay-since">Since</label>
            <input
              id="replay-since"
              type="datetime-local"
              required
              value={replay.since}
              onInput={(e) => setReplay({ ...replay, since: e.currentTarget.value })}
            />
          </div>
          <div class="field">
            <label for="replay-until">Until (empty: now)</label>
            <input
              id="replay-until"
              type="datetime-local"
              value={replay.until}
              onInput={(e) => setReplay({ ...replay, until: e.currentTarget.value })}
            />
          </div>
          <div class="field">
            <label for="replay-status">Which</label>
            <select id="replay-status" value={replay.status} onChange={(e) => setReplay({ ...replay, status: e.currentTarget.value })}>
              <option value="failed">Failed deliveries</option>
              <option value="all">All settled deliveries</option>
            </select>
          </div>
          <button type="submit" disabled={action.busy}>
            Replay
          </button>
        </form>
      </section>
    </div>
  );
}

export function DestinationPage({ id, query }: { id: string; query: URLSearchParams }) {
  const { client } = useSession();
  const manages = useMay('destinations:write');
  const [refresh, setRefresh] = useState(0);
  const destination = useLoad(() => client.get<Destination>(`/api/v1/destinations/${encodeURIComponent(id)}`), [id]);
  const changed = () => {
    destination.reload();
    setRefresh((n) => n + 1);
  };
  const value = destination.data;
  const status = query.get('status') ?? undefined;
  return (
    <section>
      <p class="crumbs">
        <a href="#/destinations">Destinations</a> / <code>{id}</code>
      </p>
      <ErrorNote error={destination.error} context="This destination" />
      <Loading when={destination.loading && !value} />
      {value ? (
        <>
          <div class="heading">
            <h1>{value.description || `${value.type} destination`}</h1>
            <DestinationState destination={value} />
          </div>
          <dl class="envelope">
            <dt>Id</dt>
            <dd>
              <code>{value.id}</code>
            </dd>
            <dt>Sends to</dt>
            <dd>
              {value.type}: <code>{destinationTarget(value)}</code>
            </dd>
            <dt>Event types</dt>
            <dd>{value.event_types.join(', ')}</dd>
            <dt>Filters</dt>
            <dd>
              severities {value.severities?.join(', ') ?? 'all'} · entity types {value.entity_types?.join(', ') ?? 'all'} · ordering{' '}
              {value.ordering}
            </dd>
            <dt>Content filter</dt>
            <dd>{value.filter === null ? 'every event' : <code>{JSON.stringify(value.filter)}</code>}</dd>
            <dt>Body sent</dt>
            <dd>
              {typeof value.payload === 'string' ? value.payload : `fields ${value.payload.fields.join(', ')}`} (its JSON Schema: GET
              /api/v1/destinations/{value.id}/payload-schema)
            </dd>
            {value.disabled_reason ? (
              <>
                <dt>Disabled</dt>
                <dd>
                  {value.disabled_reason} (<Time iso={value.disabled_at} />)
                </dd>
              </>
            ) : null}
            {value.failing_since ? (
              <>
                <dt>Failing since</dt>
                <dd>
                  <Time iso={value.failing_since} />
                  {value.alerts.raised_at ? (
                    <>
                      {' '}
                      · destination.failing published <Time iso={value.alerts.raised_at} />
                    </>
                  ) : null}
                </dd>
              </>
            ) : null}
          </dl>
          {manages ? <Actions key={value.id} destination={value} onChange={changed} /> : null}
          <h2>Delivery log</h2>
          <DeliveryLog destinationId={value.id} status={status} refresh={refresh} />
        </>
      ) : null}
    </section>
  );
}
