import { useEffect, useRef } from 'preact/hooks';
import { useSession } from '../context';
import type { ApiKeyScope } from '../types';
import { DeliveryPage } from '../pages/delivery';
import { DestinationPage } from '../pages/destination';
import { DestinationEdit } from '../pages/destination-edit';
import { DestinationsPage } from '../pages/destinations';
import { EntitiesPage } from '../pages/entities';
import { EntityPage } from '../pages/entity';
import { EventPage } from '../pages/event';
import { EventTypesPage } from '../pages/event-types';
import { EventsPage } from '../pages/events';
import { OverviewPage } from '../pages/overview';
import { useRoute, type Route } from '../router';

/** The console's sections, each shown only to a key that may read what it shows (`needs`). */
const sections: readonly { path: string; label: string; needs?: ApiKeyScope }[] = [
  { path: 'overview', label: 'Overview' },
  { path: 'events', label: 'Events', needs: 'events:read' },
  { path: 'entities', label: 'Entities', needs: 'events:read' },
  { path: 'event-types', label: 'Event types', needs: 'events:read' },
  { path: 'destinations', label: 'Destinations', needs: 'destinations:read' },
];

/** What a page needs beyond its section: creating or editing a destination needs the write scope. */
function pageNeeds(route: Route): ApiKeyScope | undefined {
  const [section = 'overview', id, extra] = route.segments;
  if (section === 'destinations' && (id === 'new' || extra === 'edit')) return 'destinations:write';
  if (section === 'deliveries') return 'destinations:read';
  return sections.find((s) => s.path === section)?.needs;
}

function page(route: Route, scopes: readonly ApiKeyScope[]) {
  const [section = 'overview', id, extra] = route.segments;
  const needs = pageNeeds(route);
  if (needs !== undefined && !scopes.includes(needs)) {
    return (
      <section>
        <h1>Not allowed</h1>
        <p>
          Your API key lacks the <code>{needs}</code> scope this page needs. Sign in with a key that has it (
          <code>evp keys create --org &lt;org&gt; --scope {needs}</code>). <a href="#/overview">Go to the overview</a>.
        </p>
      </section>
    );
  }
  switch (section) {
    case 'events':
      return id ? <EventPage id={id} /> : <EventsPage query={route.query} />;
    case 'entities':
      return id && extra ? <EntityPage entityType={id} entityId={extra} /> : <EntitiesPage query={route.query} />;
    case 'event-types':
      return <EventTypesPage entity={id} version={route.query.get('version') ?? undefined} />;
    case 'destinations':
      if (id === 'new') return <DestinationEdit />;
      if (id && extra === 'edit') return <DestinationEdit id={id} />;
      return id ? <DestinationPage id={id} query={route.query} /> : <DestinationsPage />;
    case 'deliveries':
      return id ? <DeliveryPage id={id} /> : <DestinationsPage />;
    case 'overview':
      return <OverviewPage />;
    default:
      return (
        <section>
          <h1>Not found</h1>
          <p>
            There is no page <code>{route.segments.join('/')}</code>. <a href="#/overview">Go to the overview</a>.
          </p>
        </section>
      );
  }
}

export function Shell({ onSignOut }: { onSignOut: () => void }) {
  const session = useSession();
  const route = useRoute();
  const current = route.segments[0] ?? 'overview';
  const main = useRef<HTMLElement>(null);

  // A new page moves keyboard and screen-reader focus to its content, as a page load would.
  // The first page is left alone, so Tab starts at the skip link as on any page load.
  const pageKey = route.segments.join('/');
  const firstPage = useRef(true);
  useEffect(() => {
    if (firstPage.current) {
      firstPage.current = false;
      return;
    }
    main.current?.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  }, [pageKey]);
  useEffect(() => {
    const section = sections.find((s) => s.path === current)?.label ?? 'Console';
    const detail = route.segments.slice(1).join(' / ');
    document.title = `${detail ? `${detail} · ` : ''}${section} · event-pipeline`;
  }, [pageKey]);

  return (
    <>
      <a class="skip" href="#main" onClick={(event) => (event.preventDefault(), main.current?.focus())}>
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href="#/overview">
          event-pipeline
        </a>
        <nav aria-label="Sections">
          <ul>
            {sections
              .filter((section) => section.needs === undefined || session.scopes.includes(section.needs))
              .map((section) => (
                <li key={section.path}>
                  <a
                    href={`#/${section.path}`}
                    aria-current={
                      current === section.path || (section.path === 'destinations' && current === 'deliveries') ? 'page' : undefined
                    }
                  >
                    {section.label}
                  </a>
                </li>
              ))}
          </ul>
        </nav>
        <div class="who">
          <span class="org" title={`The organization of your API key, which may: ${session.scopes.join(', ')}`}>
            {session.organizationId}
          </span>
          <span class="scopes" title="What your API key may do (its scopes)">
            {session.scopes.includes('admin') ? 'admin' : session.scopes.join(' · ')}
          </span>
          <button type="button" onClick={onSignOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        {page(route, session.scopes)}
      </main>
    </>
  );
}
