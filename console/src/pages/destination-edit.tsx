import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../api';
import { ErrorNote, Loading } from '../components/ui';
import { useSession } from '../context';
import { href } from '../router';
import { destinationKinds } from '../../../destinations/index';
import { bodyOf, changesOf, draftOf, emptyDraft, fieldForParam, isProblem, isSecret, shownFieldsOf, type Draft } from '../destination-form';
import type { Destination } from '../types';
import { useLoad } from '../use-load';

function Form({ initial, id }: { initial: Draft; id: string | undefined }) {
  const { client, eventTypes, entities } = useSession();
  const [draft, setDraft] = useState(initial);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<Destination | undefined>(undefined);
  const creating = id === undefined;
  const invalid = fieldForParam(error?.param);
  const set = <K extends keyof Draft>(name: K, value: Draft[K]) => setDraft((previous) => ({ ...previous, [name]: value }));
  const setSetting = (param: string, value: string) =>
    setDraft((previous) => ({ ...previous, settings: { ...previous.settings, [param]: value } }));
  const attrs = (field: string) => ({
    id: field,
    'aria-invalid': invalid === field ? true : undefined,
    'aria-describedby': invalid === field ? 'form-error' : undefined,
  });

  const [settingsOpen, setSettingsOpen] = useState(false);
  useEffect(() => {
    if (invalid === undefined) return;
    // A field inside the closed "Delivery settings" cannot take focus: open it first.
    if (document.getElementById(invalid)?.closest('details') && !settingsOpen) setSettingsOpen(true);
    setTimeout(() => document.getElementById(invalid)?.focus(), 0);
  }, [error]);

  const submit = async (event: Event) => {
    event.preventDefault();
    const body = bodyOf(draft, creating);
    if (isProblem(body)) {
      setError(new ApiError(400, 'parameter_invalid', body.problem, body.param));
      return;
    }
    let request = body;
    if (!creating) {
      const before = bodyOf(initial, false);
      request = isProblem(before) ? body : changesOf(body, before);
      if (Object.keys(request).length === 0) {
        location.hash = href(['destinations', id]);
        return;
      }
    }
    setBusy(true);
    try {
      const saved = creating
        ? await client.send<Destination>('POST', '/api/v1/destinations', request)
        : await client.send<Destination>('PATCH', `/api/v1/destinations/${encodeURIComponent(id)}`, request);
      setError(undefined);
      if (creating) setCreated(saved);
      else location.hash = href(['destinations', saved.id]);
    } catch (caught) {
      setError(caught as ApiError);
    } finally {
      setBusy(false);
    }
  };

  if (created) {
    return (
      <div class="panel" role="status">
        <h2>Destination created</h2>
        <p>
          <code>{created.id}</code> receives {created.event_types.join(', ')}.
        </p>
        {created.secret ? (
          <>
            <p>
              Its signing secret, shown this once (reveal it later from the destination's page). Verify each delivery's{' '}
              <code>webhook-signature</code> with it:
            </p>
            <p>
              <code class="secret" data-testid="new-secret">
                {created.secret}
              </code>
            </p>
          </>
        ) : null}
        <a class="button primary" href={href(['destinations', created.id])}>
          Open the destination
        </a>
      </div>
    );
  }

  return (
    <form class="stack-form" onSubmit={(event) => void submit(event)} noValidate>
      <ErrorNote id="form-error" error={error} context={creating ? 'Not created' : 'Not saved'} />
      <div class="field">
        <label for="dst-type">Type</label>
        <select {...attrs('dst-type')} value={draft.type} disabled={!creating} onChange={(e) => set('type', e.currentTarget.value)}>
          {destinationKinds.map((kind) => (
            <option key={kind.name} value={kind.name}>
              {kind.label}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="dst-description">Description</label>
        <input {...attrs('dst-description')} value={draft.description} onInput={(e) => set('description', e.currentTarget.value)} />
      </div>
      <div class="field">
        <label for="dst-event-types">Event types</label>
        <input
          {...attrs('dst-event-types')}
          list="dst-type-options"
          value={draft.eventTypes}
          placeholder="invoice.*, customer.created, or * for all"
          aria-describedby="dst-event-types-hint"
          onInput={(e) => set('eventTypes', e.currentTarget.value)}
          required
        />
        <small id="dst-event-types-hint" class="muted">
          Types and patterns, comma separated
        </small>
        <datalist id="dst-type-options">
          <option value="*" />
          {entities.map((entity) => (
            <option key={entity} value={`${entity}.*`} />
          ))}
          {eventTypes.map((type) => (
            <option key={type.name} value={type.name} />
          ))}
        </datalist>
      </div>
      <fieldset class="field" id="dst-severities" tabIndex={-1}>
        <legend>Only these severities (none checked: all)</legend>
        <div class="checks">
          {['info', 'warn', 'critical'].map((severity) => (
            <label key={severity} class="check">
              <input
                type="checkbox"
                checked={draft.severities.includes(severity)}
                onChange={(e) =>
                  set(
                    'severities',
                    e.currentTarget.checked ? [...draft.severities, severity] : draft.severities.filter((s) => s !== severity),
                  )
                }
              />
              {severity}
            </label>
          ))}
        </div>
      </fieldset>
      <div class="field">
        <label for="dst-entity-types">Only these entity types (empty: all)</label>
        <input {...attrs('dst-entity-types')} value={draft.entityTypes} onInput={(e) => set('entityTypes', e.currentTarget.value)} />
      </div>
      <div class="field">
        <label for="dst-filter">Only events matching this filter (JSON; empty: all)</label>
        <textarea
          {...attrs('dst-filter')}
          rows={3}
          spellcheck={false}
          value={draft.filter}
          placeholder='{"data.status": "paid", "data.total_amount": {"$gte": 1000}}'
          onInput={(e) => set('filter', e.currentTarget.value)}
        />
      </div>
      <div class="field">
        <label for="dst-payload">Body sent: event, cloudevents, or the fields to keep (id, type, data.total_amount)</label>
        <input {...attrs('dst-payload')} value={draft.payload} onInput={(e) => set('payload', e.currentTarget.value)} />
      </div>
      {shownFieldsOf(draft).map((field) => {
        const param = `${draft.type}.${field.setting}`;
        const stored = isSecret(draft.type, field) && draft.storedSecrets.includes(param);
        const common = {
          ...attrs(field.id),
          value: draft.settings[param] ?? '',
          placeholder: stored ? 'stored (never shown): type a new one to replace it' : field.placeholder,
          required: field.required,
          onInput: (e: { currentTarget: { value: string } }) => setSetting(param, e.currentTarget.value),
        };
        if (field.input === 'checkbox') {
          return (
            <label class="check" key={param}>
              <input
                {...attrs(field.id)}
                type="checkbox"
                checked={(draft.settings[param] ?? String(field.checked ?? false)) === 'true'}
                onChange={(e) => setSetting(param, String(e.currentTarget.checked))}
              />
              {field.label}
            </label>
          );
        }
        return (
          <div class="field" key={param}>
            <label for={field.id}>{field.label}</label>
            {field.input === 'headers' ? (
              <textarea {...common} rows={3} />
            ) : field.input === 'pem' ? (
              <textarea {...common} rows={4} spellcheck={false} autoComplete="off" />
            ) : field.input === 'password' ? (
              <input {...common} type="password" autoComplete="new-password" />
            ) : field.input === 'select' ? (
              <select
                {...attrs(field.id)}
                value={draft.settings[param] || field.options?.[0]}
                onChange={(e) => setSetting(param, e.currentTarget.value)}
              >
                {(field.options ?? []).map((option) => (
                  <option key={option} value={option}>
                    {option}
                  </option>
                ))}
              </select>
            ) : field.input === 'url' ? (
              <input {...common} type="url" />
            ) : field.input === 'integer' ? (
              <input {...common} inputMode="numeric" />
            ) : (
              <input {...common} />
            )}
          </div>
        );
      })}
      <details open={settingsOpen} onToggle={(e) => setSettingsOpen(e.currentTarget.open)}>
        <summary>Delivery settings</summary>
        <div class="field">
          <label for="dst-ordering">Ordering</label>
          <select {...attrs('dst-ordering')} value={draft.ordering} onChange={(e) => set('ordering', e.currentTarget.value)}>
            <option value="none">none (fastest)</option>
            <option value="per_entity">per_entity (an entity's events in order)</option>
          </select>
        </div>
        <div class="field">
          <label for="dst-max-concurrency">Attempts in flight at most</label>
          <input
            {...attrs('dst-max-concurrency')}
            inputMode="numeric"
            value={draft.maxConcurrency}
            placeholder="10"
            onInput={(e) => set('maxConcurrency', e.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label for="dst-rate-limit">Attempts per second at most</label>
          <input
            {...attrs('dst-rate-limit')}
            inputMode="numeric"
            value={draft.rateLimit}
            placeholder="no limit"
            onInput={(e) => set('rateLimit', e.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label for="dst-retry-schedule">Retry schedule (ms before each attempt)</label>
          <input
            {...attrs('dst-retry-schedule')}
            value={draft.retrySchedule}
            placeholder="the deployment's: 0, 5000, 300000, …"
            onInput={(e) => set('retrySchedule', e.currentTarget.value)}
          />
        </div>
      </details>
      <label class="check">
        <input type="checkbox" checked={draft.paused} onChange={(e) => set('paused', e.currentTarget.checked)} />
        Paused (deliveries are recorded and held until it is resumed)
      </label>
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>
          {creating ? 'Create destination' : 'Save changes'}
        </button>
        <a class="button" href={creating ? '#/destinations' : href(['destinations', id])}>
          Cancel
        </a>
      </div>
    </form>
  );
}

export function DestinationEdit({ id }: { id?: string }) {
  const { client } = useSession();
  const existing = useLoad(
    async () => (id === undefined ? undefined : client.get<Destination>(`/api/v1/destinations/${encodeURIComponent(id)}`)),
    [id],
  );
  return (
    <section>
      <p class="crumbs">
        <a href="#/destinations">Destinations</a> / {id ? <code>{id}</code> : 'new'}
      </p>
      <h1>{id ? 'Edit destination' : 'New destination'}</h1>
      <ErrorNote error={existing.error} context="This destination" />
      <Loading when={existing.loading && id !== undefined} />
      {id === undefined ? (
        <Form initial={emptyDraft} id={undefined} />
      ) : existing.data ? (
        <Form initial={draftOf(existing.data)} id={id} />
      ) : null}
    </section>
  );
}
