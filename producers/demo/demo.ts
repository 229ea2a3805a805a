import type pg from 'pg';
import type { Config } from '../../adapters/config.js';
import { InputError, coerceError } from '../../adapters/errors.js';
import { createPool } from '../../adapters/database.js';
import type { Logger } from '../../adapters/logger.js';
import { migratePool } from '../../adapters/migrate.js';
import type { EventInput } from '../../core/build-event.js';
import { createPublisher } from '../publisher.js';
import type { Publisher } from '../types.js';
import { ensureDemoDestinations, readDemoSecrets, type DemoDestination } from './demo-destinations.js';
import type { DemoOptions } from './options.js';
import { demoOrganizations } from './organizations.js';
import { pace } from './pacer.js';
import { planDemoEvents } from './planner.js';
import { startDemoReceiver, type DemoReceiver, type DemoReceiverStats } from './receiver.js';
import type { DemoDomain, DemoOrganization, PlannedEvent } from './types.js';
import { secretBoxOf } from '../../adapters/secret-key.js';

/**
 * `evp demo`: publishes the plan (planner.ts) at a steady rate through the publisher SDK, with
 * the demo webhook receiver and one destination per organization pointing at it, until the
 * count or the duration is reached or `signal` aborts. A publish that fails ends the run with
 * its error once the others have settled. Logs a progress line every 10 s and a summary at the end.
 */
export interface DemoSummary {
  readonly published: number;
  readonly byDomain: Readonly<Record<DemoDomain, number>>;
  readonly seconds: number;
  readonly deliveries: DemoReceiverStats | null;
}

export interface DemoContext {
  readonly logger: Logger;
  /** Aborting it (SIGINT, SIGTERM) stops publishing; what is in flight is still delivered. */
  readonly signal: AbortSignal;
  /** Where the demo keeps its destinations; asked only when it runs a receiver. */
  readonly databaseUrl: () => Promise<string>;
  /** For tests: a publisher to use instead of one built from the config (closed at the end all the same). */
  readonly publisher?: Publisher;
}

export async function runDemo(config: Config, options: DemoOptions, context: DemoContext): Promise<DemoSummary> {
  const { logger, signal } = context;
  const organizations = demoOrganizations(options.organizations);
  logger.info(
    {
      ratePerSecond: options.ratePerSecond,
      organizations: organizations.map((organization) => organization.id),
      seed: options.seed,
      count: options.count,
      durationMs: options.durationMs,
    },
    'demo starting',
  );
  let pool: pg.Pool | undefined;
  let receiver: DemoReceiver | undefined;
  try {
    if (options.receiverPort !== null) {
      pool = createPool({
        url: await context.databaseUrl(),
        schema: config.databaseSchema,
        max: 2,
        applicationName: 'evp-demo',
        logger,
      });
      receiver = await startReceiver(
        config,
        options,
        organizations.map((organization) => organization.id),
        pool,
        logger,
      );
    }
    if (signal.aborted) return summarize(0, emptyCounts(), 0, receiver);
    return await publishPlan(config, options, context, organizations, receiver);
  } finally {
    await receiver?.close();
    await pool?.end();
  }
}

async function startReceiver(
  config: Config,
  options: DemoOptions,
  organizationIds: readonly string[],
  pool: pg.Pool,
  logger: Logger,
): Promise<DemoReceiver> {
  if (!config.destinationAllowedHosts.includes('127.0.0.1')) {
    logger.warn(
      { allowedHosts: config.destinationAllowedHosts },
      'the streamer refuses webhooks to 127.0.0.1 unless DESTINATION_ALLOWED_HOSTS includes 127.0.0.1: the demo receiver will get no deliveries',
    );
  }
  // Migrated first, so `evp demo` alone works on an empty database too.
  await migratePool(pool, config.databaseSchema, logger);
  // The demo stores its destinations' secrets, so it may make this machine's key.
  const box = secretBoxOf(config, logger, true);
  const known = new Map<string, { destination: DemoDestination; secrets: readonly string[] }>();
  const port = options.receiverPort ?? 0;
  const advertisedHost = options.receiverHost ?? '127.0.0.1';
  const receiver = await startDemoReceiver({
    port,
    ...(advertisedHost === '127.0.0.1' ? {} : { host: '0.0.0.0', advertisedHost }),
    logger,
    retryShare: options.retryShare,
    seed: options.seed,
    async secrets(organizationId, refresh) {
      const entry = known.get(organizationId);
      if (entry === undefined) return [];
      if (refresh) known.set(organizationId, { ...entry, secrets: await readDemoSecrets(pool, entry.destination, box) });
      return known.get(organizationId)?.secrets ?? [];
    },
  }).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    throw new InputError(
      `port ${port} of the demo receiver (127.0.0.1) is in use; stop what uses it, pass --receiver-port <another port> (0: any free one) or --no-receiver`,
      { cause: error },
    );
  });
  try {
    for (const destination of await ensureDemoDestinations(pool, organizationIds, receiver.url, logger, box)) {
      known.set(destination.organizationId, { destination, secrets: await readDemoSecrets(pool, destination, box) });
    }
  } catch (error) {
    await receiver.close();
    throw error;
  }
  logger.info({ url: receiver.url, port: receiver.port }, 'demo receiver listening');
  return receiver;
}

async function publishPlan(
  config: Config,
  options: DemoOptions,
  context: DemoContext,
  organizations: readonly DemoOrganization[],
  receiver: DemoReceiver | undefined,
): Promise<DemoSummary> {
  const { logger, signal } = context;
  // `evp start` registers the schemas first; alone, the demo registers what is missing itself.
  const publisher = context.publisher ?? createPublisher(config, { service: 'demo', autoRegister: true, logger });
  const plan = planDemoEvents({ seed: options.seed, organizations });
  const started = performance.now();
  const deadline = options.durationMs === undefined ? Infinity : started + options.durationMs;
  const byDomain = emptyCounts();
  const inFlight = new Set<Promise<void>>();
  const maxInFlight = Math.max(64, Math.ceil(options.ratePerSecond));
  let planned = 0;
  let published = 0;
  let failure: Error | undefined;

  let lastProgress = { at: started, published: 0 };
  const progress = setInterval(() => {
    const now = performance.now();
    logger.info(
      {
        published,
        ratePerSecond: Math.round(((published - lastProgress.published) * 10_000) / (now - lastProgress.at)) / 10,
        inFlight: inFlight.size,
        byDomain,
        ...(receiver === undefined ? {} : { deliveries: receiver.stats() }),
      },
      'demo progress',
    );
    lastProgress = { at: now, published };
  }, options.progressIntervalMs);
  progress.unref();

  try {
    await pace({
      ratePerSecond: options.ratePerSecond,
      signal,
      done: () => failure !== undefined || (options.count !== undefined && planned >= options.count) || performance.now() >= deadline,
      emit: async () => {
        if (inFlight.size >= maxInFlight) await Promise.race(inFlight);
        const event = plan.next().value;
        planned++;
        const sent: Promise<void> = publisher.publishUntyped(event.type, eventInput(event)).then(
          () => {
            published++;
            byDomain[event.domain]++;
          },
          (error: unknown) => {
            const fields = { err: error, eventType: event.type, entityId: event.entity_id };
            if (failure !== undefined) return logger.debug(fields, 'demo event not published');
            failure = coerceError(error);
            logger.error(fields, 'demo event not published; stopping');
          },
        );
        inFlight.add(sent);
        void sent.finally(() => inFlight.delete(sent));
      },
    });
  } finally {
    clearInterval(progress);
    await publisher.close();
  }
  if (failure !== undefined) throw failure;
  const summary = summarize(published, byDomain, (performance.now() - started) / 1000, receiver);
  logger.info(summary, 'demo finished');
  return summary;
}

/** What the publisher takes: the planned event without the planner's own fields. */
function eventInput(event: PlannedEvent): EventInput {
  return {
    organization_id: event.organization_id,
    entity_id: event.entity_id,
    occurred_at: event.occurred_at,
    data: event.data,
    previous_attributes: event.previous_attributes,
    severity: event.severity,
    actor: event.actor,
    request_id: event.request_id,
  };
}

function emptyCounts(): Record<DemoDomain, number> {
  return { billing: 0, crm: 0, iot: 0, catalog: 0 };
}

function summarize(published: number, byDomain: Record<DemoDomain, number>, seconds: number, receiver: DemoReceiver | undefined) {
  return { published, byDomain, seconds: Math.round(seconds * 10) / 10, deliveries: receiver?.stats() ?? null };
}
