import { useState } from 'preact/hooks';
import { avroTypeLabel } from '../avro-label';
import { ErrorNote, JsonView, Loading, SeverityBadge, TableScroll, TableHead } from '../components/ui';
import { useSession } from '../context';
import { href, navigate } from '../router';
import type { AvroRecord, SchemaInfo, SchemaVersion } from '../types';
import { useLoad } from '../use-load';

function Fields({ schema }: { schema: AvroRecord }) {
  return (
    <TableScroll label="Fields of the schema">
      <table>
        <TableHead columns={['Field', 'Type', 'Default', 'Description']} />
        <tbody>
          {(schema.fields ?? []).map((field) => (
            <tr key={field.name}>
              <th scope="row">
                <code>{field.name}</code>
              </th>
              <td>
                <code>{avroTypeLabel(field.type)}</code>
              </td>
              <td>{'default' in field ? <code>{JSON.stringify(field.default)}</code> : '—'}</td>
              <td>{field.doc ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}

function SchemaPanel({ entity, version }: { entity: string; version: string | undefined }) {
  const { client } = useSession();
  const info = useLoad(() => client.get<SchemaInfo>(`/api/v1/schemas/${encodeURIComponent(entity)}`), [entity]);
  const chosen = version ?? (info.data?.latest ? String(info.data.latest.version) : undefined);
  const shown = useLoad(
    async () =>
      chosen === undefined
        ? undefined
        : client.get<SchemaVersion>(`/api/v1/schemas/${encodeURIComponent(entity)}/versions/${encodeURIComponent(chosen)}`),
    [entity, chosen],
  );
  return (
    <section class="panel" aria-labelledby="schema-heading">
      <h2 id="schema-heading">
        Schema of <code>{entity}</code>
      </h2>
      <ErrorNote error={info.error} context="The schema registry" />
      <Loading when={info.loading && !info.data} />
      {info.data ? (
        <>
          <dl class="envelope">
            <dt>Subject</dt>
            <dd>
              <code>{info.data.subject}</code>
            </dd>
            <dt>Compatibility</dt>
            <dd>
              <span class="badge">{info.data.compatibility ?? 'registry default'}</span>
            </dd>
            <dt>Versions</dt>
            <dd>{info.data.versions.length}</dd>
          </dl>
          {info.data.versions.length > 0 ? (
            <div class="field inline">
              <label for="schema-version">Version</label>
              <select
                id="schema-version"
                value={chosen ?? ''}
                onChange={(event) => navigate(href(['event-types', entity], { version: event.currentTarget.value }))}
              >
                {info.data.versions.map((v) => (
                  <option key={v.version} value={String(v.version)}>
                    {`v${v.version} (id ${v.id})${v.version === info.data?.latest?.version ? ', latest' : ''}`}
                  </option>
                ))}
              </select>
            </div>
          ) : (
            <p class="muted">Not registered yet: `npx evp schemas register`.</p>
          )}
          <ErrorNote error={shown.error} context="This version" />
          {shown.data ? (
            <>
              <Fields schema={shown.data.schema} />
              <details>
                <summary>Avro schema (JSON)</summary>
                <JsonView value={shown.data.schema} label={`Avro schema of ${entity}, version ${shown.data.version}`} />
              </details>
            </>
          ) : null}
        </>
      ) : null}
    </section>
  );
}

export function EventTypesPage({ entity, version }: { entity: string | undefined; version: string | undefined }) {
  const { eventTypes } = useSession();
  const [filter, setFilter] = useState('');
  const needle = filter.trim().toLowerCase();
  const shown = eventTypes.filter((type) => needle === '' || type.name.includes(needle) || type.description.toLowerCase().includes(needle));
  const byEntity = new Map<string, typeof shown>();
  for (const type of shown) byEntity.set(type.entity, [...(byEntity.get(type.entity) ?? []), type]);

  return (
    <section>
      <h1>Event types</h1>
      <p class="muted">
        {eventTypes.length} types in {new Set(eventTypes.map((t) => t.entity)).size} entities. Each entity has one Avro schema in the
        registry; choose an entity to see its fields, versions and compatibility rule.
      </p>
      {entity ? <SchemaPanel entity={entity} version={version} /> : null}
      <div class="field">
        <label for="type-filter">Filter types</label>
        <input
          id="type-filter"
          type="search"
          value={filter}
          onInput={(event) => setFilter(event.currentTarget.value)}
          placeholder="invoice, paid…"
        />
      </div>
      {[...byEntity].map(([name, types]) => (
        <section key={name} class="entity-group" aria-labelledby={`entity-${name}`}>
          <h2 id={`entity-${name}`}>
            <a href={href(['event-types', name])} aria-label={`${name}: show its schema`}>
              {name}
            </a>
            {types[0]?.schema ? <span class="muted small"> schema v{types[0].schema.version}</span> : null}
          </h2>
          <TableScroll label={`Event types of ${name}`}>
            <table>
              <TableHead columns={['Type', 'Description', 'Default severity', 'Source']} />
              <tbody>
                {types.map((type) => (
                  <tr key={type.name}>
                    <th scope="row">
                      <a href={href(['events'], { type: type.name })}>
                        <code>{type.name}</code>
                      </a>
                    </th>
                    <td>{type.description}</td>
                    <td>
                      <SeverityBadge severity={type.severity} />
                    </td>
                    <td>{type.source}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
        </section>
      ))}
      {shown.length === 0 ? <p class="empty">No type matches “{filter}”.</p> : null}
    </section>
  );
}
