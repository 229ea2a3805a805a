import path from 'node:path';
import type { Pipeline } from './pipeline.js';
import { startReceiver, type Receiver } from './receiver.js';
import { runEvp } from './services.js';

/**
 * One scenario's organization on the shared pipeline: an API key (`evp keys create`) and a
 * webhook destination subscribed to every event type, pointing at a receiver of its own. Its
 * figures are read by organization, so scenarios never count each other's events.
 */
export interface Tenant {
  readonly organizationId: string;
  readonly receiver: Receiver;
  close(): Promise<void>;
}

export async function createTenant(pipeline: Pipeline, name: string): Promise<Tenant> {
  const organizationId = `org_${name.replaceAll('-', '_')}`;
  const output = await runEvp(
    ['keys', 'create', '--org', organizationId, '--name', 'chaos'],
    pipeline.env,
    path.join(pipeline.logDir, 'setup.log'),
  );
  const apiKey = output.trim().split('\n').at(-1) ?? '';
  const receiver = await startReceiver();
  const created = await fetch(`${pipeline.apiUrl}/api/v1/destinations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      type: 'webhook',
      description: `chaos receiver of ${name}`,
      event_types: ['*'],
      webhook: { url: receiver.url, timeout_ms: 5000 },
    }),
  });
  const destination = (await created.json()) as { secret?: string };
  if (created.status !== 201 || destination.secret === undefined) {
    await receiver.close();
    throw new Error(`creating the webhook destination answered ${created.status}: ${JSON.stringify(destination)}`);
  }
  receiver.setSecret(destination.secret);
  return { organizationId, receiver, close: () => receiver.close() };
}
