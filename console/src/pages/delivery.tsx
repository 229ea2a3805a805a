import { useState } from 'preact/hooks';
import type { ApiError } from '../api';
import { ErrorNote, Loading, StatusBadge, TableScroll, Time, TableHead } from '../components/ui';
import { useMay, useSession } from '../context';
import { href } from '../router';
import type { DeliveryWithAttempts } from '../types';
import { useLoad } from '../use-load';

export function DeliveryPage({ id }: { id: string }) {
  const { client } = useSession();
  const manages = useMay('destinations:write');
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const delivery = useLoad(() => client.get<DeliveryWithAttempts>(`/api/v1/deliveries/${encodeURIComponent(id)}`), [id]);
  const value = delivery.data;

  const retry = async () => {
    setBusy(true);
    try {
      await client.send('POST', `/api/v1/deliveries/${encodeURIComponent(id)}/retry`);
      setError(undefined);
      setNote('Due again now; refresh to see the new attempt.');
      delivery.reload();
    } catch (caught) {
      setError(caught as ApiError);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section>
      <p class="crumbs">
        <a href="#/destinations">Destinations</a> /{' '}
        {value ? (
          <a href={href(['destinations', value.destination_id])}>
            <code>{value.destination_id}</code>
          </a>
        ) : (
          '…'
        )}{' '}
        / <code>{id}</code>
      </p>
      <ErrorNote error={delivery.error} context="This delivery" />
      <Loading when={delivery.loading && !value} />
      {value ? (
        <>
          <div class="heading">
            <h1>
              {value.event_type} {value.test ? <span class="badge">test</span> : null}
            </h1>
            <StatusBadge status={value.status} />
          </div>
          <dl class="envelope">
            <dt>Delivery (webhook-id)</dt>
            <dd>
              <code>{value.id}</code>
            </dd>
            <dt>Event</dt>
            <dd>
              {value.event_retained ? (
                <a href={href(['events', value.event_id])}>
                  <code>{value.event_id}</code>
                </a>
              ) : (
                <code>{value.event_id}</code>
              )}
            </dd>
            <dt>Entity</dt>
            <dd>
              <a href={href(['entities', value.entity_type, value.entity_id])}>
                {value.entity_type} <code>{value.entity_id}</code>
              </a>
            </dd>
            <dt>Next attempt</dt>
            <dd>{value.next_attempt_at ? <Time iso={value.next_attempt_at} /> : 'none (settled)'}</dd>
          </dl>
          <div class="actions">
            {manages ? (
              <button type="button" class="primary" disabled={busy} onClick={() => void retry()}>
                Retry now
              </button>
            ) : null}
            <button type="button" onClick={delivery.reload}>
              Refresh
            </button>
          </div>
          <ErrorNote error={error} />
          <p class="note" role="status">
            {note}
          </p>
          <h2>Attempts</h2>
          {value.attempts.length === 0 ? (
            <p class="empty">No attempt yet.</p>
          ) : (
            <TableScroll label="Attempts, oldest first">
              <table class="attempts">
                <TableHead columns={['#', 'When', 'Outcome', 'Duration', 'Status', 'Response']} />
                <tbody>
                  {value.attempts.map((attempt) => (
                    <tr key={attempt.attempt} class={attempt.outcome === 'succeeded' ? 'attempt-ok' : 'attempt-failed'}>
                      <td>{attempt.attempt}</td>
                      <td>
                        <Time iso={attempt.attempted_at} />
                      </td>
                      <td>{attempt.outcome}</td>
                      <td>{attempt.duration_ms === null ? '—' : `${attempt.duration_ms} ms`}</td>
                      <td>
                        {attempt.status_code ?? '—'}
                        {attempt.error ? <div class="error-text">{attempt.error}</div> : null}
                      </td>
                      <td class="wrap">
                        {attempt.response_body ? <pre class="excerpt">{attempt.response_body}</pre> : <span class="muted">empty</span>}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableScroll>
          )}
        </>
      ) : null}
    </section>
  );
}
