import fs from 'node:fs';
import type pg from 'pg';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMaterializer, type Materializer } from '../../consumers/materializer/index.js';
import { startStreamer, type Streamer } from '../../consumers/streamer/index.js';
import { createEventId } from '../../core/ids.js';
import { entityTopic } from '../../core/topics.js';
import type { Api } from '../../api/index.js';
import type { Publisher } from '../../producers/types.js';
import { createTestKey, getJson, startTestApi } from '../harness/api.js';
import { launchBrowser } from '../harness/browser.js';
import { buildConsole, eventually, screenshot } from '../harness/console.js';
import { useTestContext } from '../harness/index.js';
import { materializerOptions, prepareEntities, testPublisher, waitFor } from '../harness/materializer.js';
import { sampleData } from '../harness/samples.js';
import { streamerOptions } from '../harness/streamer.js';
import { securedKafka } from '../harness/tls.js';
import { startWebhookReceiver, type WebhookReceiver } from '../harness/webhook-receiver.js';

/**
 * The web console in a real browser (Debian's Chromium through playwright-core) against the real
 * pipeline: Kafka, the registry and PostgreSQL, with the materializer, the streamer and `evp api`
 * serving the console. Each step leaves a screenshot under test-artifacts/console/.
 */
const ctx = useTestContext('console');
const org = 'org_console';
const otherOrg = 'org_elsewhere';

let api: Api & { url: string };
let materializer: Materializer;
let streamer: Streamer;
let publisher: Publisher;
let receiver: WebhookReceiver;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let key: string;
let otherKey: string;
let consoleDir: string;
let pool: pg.Pool;

const customerId = 'cus_console_ada';
/** An id as long as real ones get, to show that pages still fit a phone. */
const longId = 'cus_01JD8Z9Y7X6W5V4T3S2R1Q0P9N8M7L6K5J4H3G2F1E0D';
/** What the browser reported breaking the Content-Security-Policy (must stay empty). */
const cspViolations: string[] = [];
const ids: { created?: string; updated?: string; destination?: string } = {};

function customer(extra: Record<string, unknown>) {
  return {
    ...sampleData('customer', customerId),
    organization_id: org,
    name: 'Ada Lovelace',
    email: 'ada@example.com',
    status: 'active',
    metadata: {},
    ...extra,
  };
}

/** Waits until the API (so the console) has this event: the materializer stored it. */
async function stored(eventId: string, withKey = key): Promise<void> {
  await waitFor(
    async () => (await getJson(`${api.url}/api/v1/events/${eventId}`, withKey)).status,
    (status) => status === 200,
    120_000,
    `event ${eventId} in the API`,
  );
}

async function signIn(target: Page, withKey: string): Promise<void> {
  await target.goto(`${api.url}/console/`);
  await target.getByLabel('API key').fill(withKey);
  await target.getByRole('button', { name: 'Sign in' }).click();
  await target.getByRole('navigation', { name: 'Sections' }).waitFor();
}

/** Visible form controls without an accessible name (label, aria-label, or a button's text). */
async function unnamedControls(target: Page): Promise<string[]> {
  return target.evaluate<string[]>(`[...document.querySelectorAll('input, select, textarea, button')]
    .filter((element) => element.offsetParent !== null)
    .filter((element) => {
      const labelled = (element.labels?.length ?? 0) > 0 || element.getAttribute('aria-label') || element.closest('label');
      return !labelled && !(element.tagName === 'BUTTON' && element.textContent.trim());
    })
    .map((element) => element.outerHTML.slice(0, 80))`);
}

/** The rows of the first table on the page, as their text. */
async function rowTexts(target: Page): Promise<string[]> {
  return target.locator('main table tbody tr').allInnerTexts();
}

/** A write to the API with the first organization's key; the answer's body. */
async function send<T>(method: 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${api.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  expect(response.ok, `${method} ${path} answered ${response.status}`).toBe(true);
  return (await response.json()) as T;
}

/** Whether the first element `selector` finds is a keyboard tab stop (all ours that are carry a tabindex). */
async function isTabStop(target: Page, selector: string): Promise<boolean> {
  return (await target.locator(selector).first().getAttribute('tabindex')) === '0';
}

beforeAll(async () => {
  const database = await ctx.createTestDatabase();
  const schema = database.schema;
  pool = database.pool;
  await prepareEntities(ctx, ['invoice', 'customer', 'destination'], 2);
  publisher = testPublisher(ctx);
  consoleDir = await buildConsole();
  api = await startTestApi(ctx, schema, { consoleDir });
  key = await createTestKey(pool, org);
  otherKey = await createTestKey(pool, otherOrg);
  materializer = await startMaterializer(materializerOptions(ctx, schema));
  streamer = await startStreamer(streamerOptions(ctx, schema, publisher));
  receiver = await startWebhookReceiver();

  // Some history before anyone signs in: a customer created, then its email changed.
  const created = await publisher.publishUntyped('customer.created', { organization_id: org, data: customer({}) });
  const updated = await publisher.publishUntyped('customer.updated', {
    organization_id: org,
    data: customer({ email: 'ada@analytical.example', name: 'Ada King' }),
    previous_attributes: { email: 'ada@example.com', name: 'Ada Lovelace' },
    actor: 'crm-service',
  });
  await publisher.publishUntyped('customer.created', { organization_id: org, data: { ...customer({}), id: longId } });
  await publisher.publishUntyped('customer.updated', {
    organization_id: org,
    data: { ...customer({ name: 'Ada King' }), id: longId },
    previous_attributes: { name: 'Ada Lovelace' },
  });
  ids.created = created.eventId;
  ids.updated = updated.eventId;
  // The other organization's own event, which the first must never see (and the reverse).
  const foreign = await publisher.publishUntyped('invoice.created', {
    organization_id: otherOrg,
    data: { ...sampleData('invoice', 'inv_elsewhere'), organization_id: otherOrg },
  });
  await stored(updated.eventId);
  await stored(foreign.eventId, otherKey);

  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  page.on('pageerror', (error) => console.error('console page error:', error));
  context.on('console', (message) => {
    if (message.text().includes('Content Security Policy')) cspViolations.push(message.text());
  });
});

afterAll(async () => {
  await browser?.close();
  await receiver?.close();
  await streamer?.stop();
  await materializer?.stop();
  await publisher?.close();
  await api?.stop();
  if (consoleDir) fs.rmSync(consoleDir, { recursive: true, force: true });
});

describe('web console in a browser', () => {
  it('refuses a malformed or unknown key with a message, then signs in with a valid one', async () => {
    await page.goto(`${api.url}/`);
    expect(new URL(page.url()).pathname).toBe('/console/');
    await page.getByLabel('API key').fill('not-a-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(await page.getByRole('alert').innerText()).toContain('starts with evp_sk_');
    await page.getByLabel('API key').fill(`evp_sk_${'x'.repeat(43)}`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Invalid API key' }).waitFor();
    await screenshot(page, '01-sign-in');

    await signIn(page, key);
    expect(await page.locator('.org').innerText()).toBe(org);
    expect(await page.evaluate("sessionStorage.getItem('evp.console.key')")).toBe(key);
  });

  it('shows a newly published event live, marked as fresh, without a reload', async () => {
    await page.getByRole('link', { name: 'Events', exact: true }).click();
    await page.locator(`tr[data-event-id="${ids.updated}"]`).waitFor();
    await page.locator('.stream-state.state-live').waitFor();

    const published = await publisher.publishUntyped('invoice.created', {
      organization_id: org,
      data: { ...sampleData('invoice', 'inv_console_live'), organization_id: org },
    });
    const row = page.locator(`tr[data-event-id="${published.eventId}"]`);
    await row.waitFor({ timeout: 60_000 });
    expect(await row.getAttribute('class')).toContain('fresh');
    expect(await row.innerText()).toContain('invoice.created');
    // The other organization's event never shows.
    expect((await rowTexts(page)).join('\n')).not.toContain('inv_elsewhere');
    await screenshot(page, '02-events-live');
  });

  it('filters by type pattern and by severity, keeping the filters in the URL', async () => {
    await page.getByLabel('Type', { exact: true }).fill('customer.*');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await eventually('only customer events listed', async () => {
      const rows = await rowTexts(page);
      return rows.length === 4 && rows.every((text) => text.includes('customer.'));
    });
    expect(decodeURIComponent(page.url())).toContain('type=customer.*');

    await page.getByRole('checkbox', { name: 'critical' }).check();
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('No events match these filters').waitFor();
    await screenshot(page, '03-events-filtered');

    // A pattern that matches no type is the API's 400, shown with the parameter at fault.
    await page.goto(`${api.url}/console/#/events?type=nosuch.*`);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.innerText()).toContain('(parameter type)');
  });

  it('opens an event with its envelope and the diff of previous_attributes against data', async () => {
    await page.goto(`${api.url}/console/#/events?type=customer.updated`);
    await page.locator(`tr[data-event-id="${ids.updated}"] a`, { hasText: 'customer.updated' }).click();
    await page.getByRole('heading', { name: 'What changed' }).waitFor();
    const diff = page.locator('table.diff');
    const email = diff.locator('tr', { hasText: 'email' });
    expect(await email.locator('.before').innerText()).toBe('ada@example.com');
    expect(await email.locator('.after').innerText()).toBe('ada@analytical.example');
    expect(await diff.locator('tr', { hasText: 'name' }).locator('.after').innerText()).toBe('Ada King');
    expect(await diff.locator('tbody tr').count()).toBe(2);
    expect(await page.locator('.envelope').innerText()).toContain('crm-service');
    await screenshot(page, '04-event');
  });

  it('opens the entity with its current state and a timeline of what changed at each step', async () => {
    await page.locator('.envelope a', { hasText: customerId }).click();
    await page.getByRole('heading', { name: 'History' }).waitFor();
    const steps = page.locator('ol.timeline > li');
    await eventually('two history steps', async () => (await steps.count()) === 2);
    expect(await steps.nth(0).innerText()).toContain('customer.created');
    const second = await steps.nth(1).innerText();
    expect(second).toContain('customer.updated');
    expect(second).toMatch(/email: ada@example\.com\s*→\s*ada@analytical\.example/);
    expect(await page.locator('pre.json').first().innerText()).toContain('ada@analytical.example');
    await screenshot(page, '05-entity');

    // Searching by part of the id finds it.
    await page.goto(`${api.url}/console/#/entities?entity_type=customer&q=CONSOLE_A`);
    await page.locator('main table a', { hasText: customerId }).waitFor();
  });

  it('shows the catalogue and an entity schema with its versions and compatibility', async () => {
    await page.getByRole('link', { name: 'Event types' }).click();
    await page.getByRole('link', { name: 'customer: show its schema' }).click();
    const panel = page.locator('section.panel', { hasText: 'Schema of' });
    await panel.locator('table').waitFor();
    const text = await panel.innerText();
    expect(text).toContain(`${ctx.topicPrefix}.customer-value`);
    expect(text).toMatch(/BACKWARD/);
    expect(text).toContain('previous_attributes');
    await screenshot(page, '06-event-types');
  });

  it('creates a webhook destination, names a bad field, and sends a test event that shows in the log', async () => {
    await page.getByRole('link', { name: 'Destinations' }).click();
    await page.getByRole('link', { name: 'New destination' }).click();
    await page.getByLabel('Description').fill('console receiver');
    await page.getByLabel('Event types').fill('invoice.*');
    // Bad input first: a URL with credentials is refused and the field is marked.
    await page.getByLabel('URL').fill('http://user:pw@127.0.0.1/hook');
    await page.getByRole('button', { name: 'Create destination' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByLabel('URL').getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByRole('alert').innerText()).toContain('webhook.url');
    // The form moves the focus once it has rendered the refusal, which on a busy machine is a moment after the alert.
    // (A selector, not a script: the console's CSP forbids evaluating strings.)
    await page.locator('#dst-url:focus').waitFor({ timeout: 10_000 });
    // A limit that is not a number is refused in the form, inside the settings it opens.
    await page.getByText('Delivery settings').click();
    await page.getByLabel('Attempts per second at most').fill('ten');
    await page.getByText('Delivery settings').click();
    await page.getByRole('button', { name: 'Create destination' }).click();
    await page.getByRole('alert').filter({ hasText: 'must be a whole number' }).waitFor();
    await page.locator('#dst-rate-limit:focus').waitFor({ timeout: 10_000 });
    await page.getByLabel('Attempts per second at most').fill('');

    await page.getByLabel('URL').fill(receiver.url);
    await page.getByLabel('Retry schedule (ms before each attempt)').fill('0, 1000, 1000');
    await page.getByRole('button', { name: 'Create destination' }).click();
    const secret = await page.getByTestId('new-secret').innerText();
    expect(secret).toMatch(/^whsec_/);
    receiver.secret = secret;
    await page.getByRole('link', { name: 'Open the destination' }).click();
    await page.getByRole('heading', { name: 'console receiver' }).waitFor();
    ids.destination = decodeURIComponent(page.url().split('#/destinations/')[1] ?? '');
    expect(ids.destination).toMatch(/^dst_/);

    await page.getByLabel('Event type', { exact: true }).selectOption('invoice.paid');
    await page.getByRole('button', { name: 'Send test event' }).click();
    await page.getByRole('status').filter({ hasText: 'Test invoice.paid queued' }).waitFor();
    const log = page.locator('table.deliveries');
    await eventually('the test delivery delivered', async () => {
      await page.getByRole('button', { name: 'Refresh' }).click();
      return (await log.locator('tr', { hasText: 'invoice.paid' }).filter({ hasText: 'delivered' }).count()) === 1;
    });
    expect(receiver.accepted().some((request) => request.verified && request.body.includes('"invoice.paid"'))).toBe(true);

    await log.locator('tr', { hasText: 'invoice.paid' }).locator('a').first().click();
    const attempts = page.locator('table.attempts tbody tr');
    await attempts.first().waitFor();
    const attempt = await attempts.first().innerText();
    expect(attempt).toContain('204');
    expect(attempt).toMatch(/\d+ ms/);
    await screenshot(page, '07-delivery-test');
  });

  it('shows every failed attempt while the receiver is down, then delivers a replayed window', async () => {
    receiver.answer = () => ({ status: 503, body: 'receiver paused for maintenance' });
    const published = await publisher.publishUntyped('invoice.sent', {
      organization_id: org,
      data: { ...sampleData('invoice', 'inv_console_retry'), organization_id: org },
    });
    await page.goto(`${api.url}/console/#/destinations/${ids.destination}?status=failed`);
    const log = page.locator('table.deliveries');
    await eventually(
      'the delivery failed after its schedule',
      async () => {
        await page.getByRole('button', { name: 'Refresh' }).click();
        return (await log.locator('tr', { hasText: 'invoice.sent' }).count()) === 1;
      },
      120_000,
    );
    await log.locator('tr', { hasText: 'invoice.sent' }).locator('a').first().click();
    const attempts = page.locator('table.attempts tbody tr');
    await attempts.first().waitFor();
    expect(await attempts.count()).toBe(3);
    for (const text of await attempts.allInnerTexts()) {
      expect(text).toContain('503');
      expect(text).toContain('receiver paused for maintenance');
    }
    expect(await page.locator('.envelope').innerText()).toContain(published.eventId);
    await screenshot(page, '08-delivery-retries');

    receiver.answer = () => ({ status: 204 });
    await page.goto(`${api.url}/console/#/destinations/${ids.destination}`);
    await page.getByLabel('Which').selectOption('failed');
    await page.getByRole('button', { name: 'Replay' }).click();
    await page.getByRole('status').filter({ hasText: 'Replaying 1 delivery' }).waitFor();
    await eventually('the replayed delivery delivered', async () => {
      await page.getByRole('button', { name: 'Refresh' }).click();
      return (await log.locator('tr', { hasText: 'invoice.sent' }).filter({ hasText: 'delivered' }).count()) === 1;
    });
    expect(receiver.accepted().filter((request) => request.body.includes(published.eventId))).toHaveLength(1);
    await screenshot(page, '09-destination');
  });

  it('pauses and resumes the destination, and retries one delivery from the log', async () => {
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.locator('.heading .badge', { hasText: 'paused' }).waitFor();
    const held = await publisher.publishUntyped('invoice.paid', {
      organization_id: org,
      data: { ...sampleData('invoice', 'inv_console_held'), organization_id: org },
    });
    // The streamer records the delivery and holds it: no attempt while paused.
    const heldDelivery = await waitFor(
      async () =>
        (
          await getJson<{ data: { status: string; times_attempted: number }[] }>(
            `${api.url}/api/v1/deliveries?event_id=${held.eventId}`,
            key,
          )
        ).body.data,
      (deliveries) => deliveries.length === 1,
      120_000,
      'the held delivery recorded',
    );
    expect(heldDelivery[0]).toMatchObject({ status: 'pending', times_attempted: 0 });
    // Several of the workers' claim rounds (100 ms apart here) pass without an attempt.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const stillHeld = await getJson<{ data: { status: string; times_attempted: number }[] }>(
      `${api.url}/api/v1/deliveries?event_id=${held.eventId}`,
      key,
    );
    expect(stillHeld.body.data[0]).toMatchObject({ status: 'pending', times_attempted: 0 });
    expect(receiver.received.some((request) => request.body.includes(held.eventId))).toBe(false);
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.locator('.heading .badge', { hasText: 'active' }).waitFor();
    await eventually('the held delivery sent after resuming', () =>
      receiver.accepted().some((request) => request.body.includes(held.eventId)),
    );

    const row = page.locator('table.deliveries tr', { hasText: 'invoice.sent' });
    await page.getByRole('button', { name: 'Refresh' }).click();
    await row.getByRole('button', { name: /^Retry delivery/ }).click();
    await page.getByRole('status').filter({ hasText: 'is due again now' }).waitFor();
    await eventually(
      'the retried delivery sent again',
      () => receiver.accepted().filter((request) => request.body.includes('inv_console_retry')).length === 2,
    );
  });

  it('shows events per minute, consumer lag, delivery health and dead letters on the overview', async () => {
    // A record that cannot be decoded, from this organization: it must reach the dead letters.
    const producer = await ctx.createProducer();
    await producer.send({
      topic: entityTopic(ctx.topicPrefix, 'invoice'),
      messages: [
        {
          key: 'inv_console_poison',
          value: Buffer.from('not avro at all'),
          headers: { ce_orgid: org, ce_type: 'invoice.created', ce_id: createEventId() },
        },
      ],
    });
    await page.getByRole('link', { name: 'Overview' }).click();
    await eventually('the dead letter on the overview', async () => {
      await page.reload();
      await page.getByRole('heading', { name: 'Dead letters' }).waitFor();
      const panel = page.locator('section.panel', { hasText: 'Dead letters' });
      return (await panel.locator('tbody tr').count()) === 1;
    });
    const dead = await page.locator('section.panel', { hasText: 'Dead letters' }).locator('tbody tr').innerText();
    expect(dead).toContain(`${ctx.topicPrefix}.invoice`);
    expect(dead).toContain('wire_format');
    expect(dead).toContain('invoice.created');

    const chart = page.locator('figure.chart');
    await chart.waitFor();
    expect(await chart.locator('rect').count()).toBeGreaterThan(0);
    expect(await chart.locator('figcaption').innerText()).toMatch(/info: \d+/);
    const health = await page.locator('section.panel', { hasText: 'Deliveries' }).innerText();
    expect(health).toContain('console receiver');
    expect(health).toMatch(/\d+\.\d % of \d+/);
    const lag = page.locator('section.panel', { hasText: 'Consumer lag' });
    await lag.locator('tbody tr').first().waitFor();
    expect(await lag.innerText()).toContain(`${ctx.topicPrefix}.materializer`);
    await screenshot(page, '10-overview');
  });

  it('pages through the deliveries of an event sent to more destinations than one page holds', async () => {
    // The event page shows 25 deliveries at once. Paused destinations record theirs and send nothing.
    const destinations: string[] = [];
    for (let n = 0; n <= 25; n++) {
      const created = await send<{ id: string }>('POST', '/api/v1/destinations', {
        type: 'webhook',
        description: `fan-out ${n}`,
        active: false,
        event_types: ['customer.created'],
        webhook: { url: receiver.url },
      });
      destinations.push(created.id);
    }
    const fanned = await publisher.publishUntyped('customer.created', {
      organization_id: org,
      data: { ...customer({}), id: 'cus_console_fanout' },
    });
    const recorded = await waitFor(
      async () =>
        (await getJson<{ data: { id: string }[] }>(`${api.url}/api/v1/deliveries?event_id=${fanned.eventId}&limit=100`, key)).body.data,
      (deliveries) => deliveries.length === destinations.length,
      120_000,
      'a delivery per destination recorded',
    );

    await page.goto(`${api.url}/console/#/events/${fanned.eventId}`);
    const rows = page.locator('table.event-deliveries tbody tr');
    const pager = page.getByRole('navigation', { name: 'Delivery pages' });
    await eventually('the first page of deliveries', async () => (await rows.count()) === 25);
    expect(await pager.getByRole('button', { name: /Newer/ }).isDisabled()).toBe(true);
    const firstPage = await rows.locator('td:first-child').allInnerTexts();
    await pager.getByRole('button', { name: /Older/ }).click();
    await eventually('the second page of deliveries', async () => (await rows.count()) === 1);
    expect(await pager.getByRole('button', { name: /Older/ }).isDisabled()).toBe(true);
    const secondPage = await rows.locator('td:first-child').allInnerTexts();
    expect(new Set([...firstPage, ...secondPage])).toEqual(new Set(recorded.map((delivery) => delivery.id)));

    // An event whose deliveries fit one page (here none) has no pager.
    await page.goto(`${api.url}/console/#/events/${ids.updated}`);
    await page.getByText('No destination subscribed to this event').waitFor();
    expect(await pager.count()).toBe(0);
    for (const id of destinations) await send('DELETE', `/api/v1/destinations/${id}`);
  });

  it('is usable by keyboard, labels every control, and fits a phone screen', async () => {
    await page.goto(`${api.url}/console/#/events`);
    await page.reload();
    await page.locator('main table').waitFor();
    expect(await unnamedControls(page)).toEqual([]);

    // Tab from the top: the skip link first, then the sections.
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Skip to content');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Overview');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Overview' }).waitFor();

    // A table that fits is no tab stop; one wider than a phone is (below), to scroll it by keyboard.
    await page.goto(`${api.url}/console/#/events/${ids.updated}`);
    await page.locator('table.diff').waitFor();
    // Two frames: any resize observed by then has been measured and rendered.
    await page.evaluate('new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))');
    expect(await isTabStop(page, '.table-scroll:has(table.diff)')).toBe(false);

    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    phone.on('console', (message) => {
      if (message.text().includes('Content Security Policy')) cspViolations.push(message.text());
    });
    const small = await phone.newPage();
    await signIn(small, key);
    for (const [hash, name, ready] of [
      ['#/overview', '11-phone-overview', 'figure.chart'],
      ['#/events', '12-phone-events', 'main table'],
      [`#/events/${ids.updated}`, '13-phone-event', 'table.diff'],
      [`#/entities/customer/${longId}`, '14-phone-entity', 'ol.timeline > li'],
      ['#/event-types/customer', '15-phone-event-types', 'section.panel table'],
      [`#/destinations/${ids.destination}`, '16-phone-destination', 'table.deliveries'],
      [`#/destinations/${ids.destination}/edit`, '17-phone-destination-edit', 'form.stack-form'],
    ] as const) {
      await small.goto(`${api.url}/console/${hash}`);
      await small.locator(ready).first().waitFor();
      // Nothing wider than the screen but the tables' own scroll regions.
      const overflow = await small.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
      expect(overflow, `page ${hash} scrolls sideways`).toBeLessThanOrEqual(0);
      expect(await unnamedControls(small), `unlabelled controls on ${hash}`).toEqual([]);
      if (hash === '#/events') await eventually('the wide events table a tab stop', () => isTabStop(small, 'main .table-scroll'));
      await screenshot(small, name);
    }
    await phone.close();
  });

  it('creates a Kafka destination to a SASL cluster, never shows its password, and asks for it again when the brokers change', async () => {
    const password = 'console-secret-4711';
    await page.goto(`${api.url}/console/#/destinations`);
    await page.getByRole('link', { name: 'New destination' }).click();
    await page.getByLabel('Type', { exact: true }).selectOption('kafka');
    await page.getByLabel('Description').fill('console kafka');
    await page.getByLabel('Event types').fill('customer.deleted');
    await page.getByLabel('Brokers', { exact: true }).fill(ctx.endpoints.kafkaBrokers.join(', '));
    await page.getByLabel('Topic', { exact: true }).fill(`${ctx.topicPrefix}-console`);
    // The SASL and TLS inputs appear with a protocol that uses them.
    expect(await page.getByLabel('SASL password').count()).toBe(0);
    await page.getByLabel('Security protocol').selectOption('SASL_SSL');
    await page.getByLabel('SASL mechanism').selectOption('SCRAM-SHA-512');
    await page.getByLabel('SASL user').fill('tenant');
    await page.getByLabel('SASL password').fill(password);
    await page.getByLabel('CA certificates (PEM)').fill(fs.readFileSync(securedKafka().caFile, 'utf8'));
    expect(await unnamedControls(page)).toEqual([]);
    await page.getByRole('button', { name: 'Create destination' }).click();
    await page.getByRole('link', { name: 'Open the destination' }).click();
    await page.getByRole('heading', { name: 'console kafka' }).waitFor();
    const id = decodeURIComponent(page.url().split('#/destinations/')[1] ?? '');
    expect(await page.locator('main').innerText()).not.toContain(password);

    await page.getByRole('link', { name: 'Edit' }).click();
    expect(await page.getByLabel('SASL password').inputValue()).toBe('');
    expect(await page.getByLabel('SASL password').getAttribute('placeholder')).toMatch(/stored/);
    await page.getByLabel('Brokers', { exact: true }).fill('kafka.example.com:9093');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('alert').filter({ hasText: 'kafka.sasl_password' }).waitFor();
    await page.locator('#dst-sasl-password:focus').waitFor({ timeout: 10_000 });
    await send('DELETE', `/api/v1/destinations/${id}`);
  });

  it("shows another organization's key none of the first one's data", async () => {
    const elsewhere = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const other = await elsewhere.newPage();
    await signIn(other, otherKey);
    expect(await other.locator('.org').innerText()).toBe(otherOrg);

    await other.goto(`${api.url}/console/#/events`);
    await other.locator('main table tbody tr').first().waitFor();
    const rows = (await rowTexts(other)).join('\n');
    expect(rows).toContain('inv_elsewhere');
    expect(rows).not.toContain(customerId);
    expect(rows).not.toContain('inv_console');

    // Direct links to the first organization's things answer as if they did not exist.
    for (const hash of [`#/events/${ids.updated}`, `#/entities/customer/${customerId}`, `#/destinations/${ids.destination}`]) {
      await other.goto(`${api.url}/console/${hash}`);
      const alert = other.getByRole('alert');
      await alert.waitFor();
      expect(await alert.innerText(), hash).toMatch(/No such|not found|does not exist/i);
    }
    await other.goto(`${api.url}/console/#/entities?entity_type=customer`);
    await other.getByText('No customer yet').waitFor();
    await other.goto(`${api.url}/console/#/destinations`);
    await other.getByText('No destination yet').waitFor();
    await other.goto(`${api.url}/console/#/overview`);
    await other.getByRole('heading', { name: 'Dead letters' }).waitFor();
    const overview = other.locator('main');
    await other.locator('section.panel', { hasText: 'Dead letters' }).getByText('None.').waitFor();
    expect(await overview.innerText()).not.toContain('console receiver');
    await screenshot(other, '14-other-organization');
    await elsewhere.close();
  });

  it('shows a key with narrower scopes only what it may use', async () => {
    const session = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const tab = await session.newPage();
    const sections = () => tab.getByRole('navigation', { name: 'Sections' }).getByRole('link').allInnerTexts();

    // Reads destinations and their deliveries, but may change nothing and sees no events.
    await signIn(tab, await createTestKey(pool, org, ['destinations:read']));
    expect(await sections()).toEqual(['Overview', 'Destinations']);
    expect(await tab.locator('.scopes').innerText()).toBe('destinations:read');
    await tab.getByRole('heading', { name: 'Deliveries' }).waitFor();
    expect(await tab.getByRole('heading', { name: 'Dead letters' }).count()).toBe(0);
    await tab.goto(`${api.url}/console/#/destinations/${ids.destination}`);
    await tab.getByRole('heading', { name: 'Delivery log' }).waitFor();
    expect(await tab.getByRole('button', { name: /Rotate secret|Reveal secret|Delete|Pause|Resume|^Retry/ }).count()).toBe(0);
    await tab.goto(`${api.url}/console/#/destinations`);
    await tab.locator('main table tbody tr').first().waitFor();
    expect(await tab.getByRole('link', { name: 'New destination' }).count()).toBe(0);
    await tab.goto(`${api.url}/console/#/events`);
    await tab.getByText('lacks the events:read scope').waitFor();
    await screenshot(tab, '15-destinations-read-key');

    // Reads events: no destinations anywhere.
    await tab.getByRole('button', { name: 'Sign out' }).click();
    await signIn(tab, await createTestKey(pool, org, ['events:read']));
    expect(await sections()).toEqual(['Overview', 'Events', 'Entities', 'Event types']);
    expect(await tab.locator('.scopes').innerText()).toBe('events:read');
    await tab.goto(`${api.url}/console/#/events/${ids.updated}`);
    await tab.getByRole('heading', { name: 'Data' }).waitFor();
    expect(await tab.getByRole('heading', { name: 'Deliveries' }).count()).toBe(0);
    await session.close();
  });

  it('sends a key revoked while signed in back to the sign-in page, saying why', async () => {
    const revokedKey = await createTestKey(pool, 'org_revoked');
    const session = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const tab = await session.newPage();
    await signIn(tab, revokedKey);
    await tab
      .locator('.stream-state.state-live')
      .or(tab.getByRole('heading', { name: 'Overview' }))
      .first()
      .waitFor();
    await pool.query("update api_keys set revoked_at = now() where organization_id = 'org_revoked'");
    // The next page asks the API with the key, unless a refresh in the background asked first and
    // the console has already gone back to sign-in (then the link is gone, and nothing to click).
    await tab
      .getByRole('link', { name: 'Destinations' })
      .click({ timeout: 5_000 })
      .catch(() => undefined);
    await tab.getByText('The key was refused (revoked or unknown)').waitFor();
    expect(await tab.evaluate("sessionStorage.getItem('evp.console.key')")).toBeNull();
    await session.close();
  });

  it('breaks no rule of its Content-Security-Policy on any page', () => {
    expect(cspViolations).toEqual([]);
  });
});
