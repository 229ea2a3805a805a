import os from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { startApi, type Api } from '../../api/index.js';
import type { ApiOptions } from '../../api/options.js';
import { createApiKeyRow } from '../../store/api-keys.js';
import type { ApiKeyScope } from '../../core/api-key-scopes.js';
import { createApiKey } from '../../core/api-keys.js';
import type { TestContext } from './index.js';
import { createTestLogger } from './log-sink.js';
import { testSecretBox } from './secrets.js';

/**
 * DESTINATION_FILE_ROOT of the test APIs and streamers, shared by every test file: each
 * organization writes below its own directory there, so files use organization ids or
 * directories of their own.
 */
export const testFileRoot = path.join(os.tmpdir(), 'evp-test-file-destinations');

/**
 * `evp api` on a free port over `schema`, with a fast live tail and no rate limit (tests send in
 * bursts; `overrides.rateLimit` sets one); stopped after the file.
 */
export async function startTestApi(ctx: TestContext, schema: string, overrides: Partial<ApiOptions> = {}): Promise<Api & { url: string }> {
  const api = await startApi({
    databaseUrl: ctx.endpoints.databaseUrl,
    databaseSchema: schema,
    schemaRegistryUrl: ctx.endpoints.schemaRegistryUrl,
    kafkaBrokers: ctx.endpoints.kafkaBrokers,
    topicPrefix: ctx.topicPrefix,
    logger: createTestLogger((process.env['TEST_API_LOG'] as 'warn' | undefined) ?? 'error', { service: 'api' }),
    port: 0,
    host: '127.0.0.1',
    keyCacheMs: 0,
    stream: { heartbeatMs: 300, pollMs: 100 },
    allowedHosts: ['127.0.0.1'],
    // The stack's Kafka is the pipeline's own: tests write to topics of theirs there.
    allowedKafkaBrokers: ctx.endpoints.kafkaBrokers,
    fileRoot: testFileRoot,
    secretBox: testSecretBox,
    ...overrides,
  });
  return { ...api, url: `http://127.0.0.1:${api.port}`, stop: () => api.stop() };
}

/** A new key for `organizationId`, stored in the pool's schema; it may do everything unless `scopes` says less. */
export async function createTestKey(pool: pg.Pool, organizationId: string, scopes: readonly ApiKeyScope[] = ['admin']): Promise<string> {
  const key = createApiKey();
  await createApiKeyRow(pool, key, organizationId, 'test', scopes);
  return key.key;
}

export interface Answer<T = Record<string, unknown>> {
  readonly status: number;
  readonly body: T;
}

/** GET with a key; the body parsed as JSON. */
export async function getJson<T = Record<string, unknown>>(url: string, key: string | undefined): Promise<Answer<T>> {
  const response = await fetch(url, { headers: key === undefined ? {} : { authorization: `Bearer ${key}` } });
  return { status: response.status, body: (await response.json()) as T };
}

export interface SseMessage {
  readonly id?: string;
  readonly event?: string;
  readonly data?: string;
  readonly comment?: string;
}

/**
 * A live-tail client reading the raw text/event-stream: every message and comment in order.
 * `close()` disconnects; `messages` keeps what arrived.
 */
export async function openStream(url: string, key: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const response = await fetch(url, { headers: { authorization: `Bearer ${key}`, ...headers }, signal: controller.signal });
  const messages: SseMessage[] = [];
  let ended = false;
  const reading = (async () => {
    if (!response.ok || !response.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const message: Record<string, string> = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) message['comment'] = line.slice(1).trim();
            else {
              const at = line.indexOf(':');
              const field = at < 0 ? line : line.slice(0, at);
              message[field] = at < 0 ? '' : line.slice(at + 1).replace(/^ /, '');
            }
          }
          messages.push(message);
        }
      }
    } catch {
      // aborted by close()
    } finally {
      ended = true;
    }
  })();
  return {
    status: response.status,
    response,
    messages,
    /** The events received so far (not comments or errors). */
    events: () => messages.filter((message) => message.id !== undefined && message.event === undefined),
    get ended() {
      return ended;
    },
    async close() {
      controller.abort();
      await reading;
    },
  };
}
