import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { renderTemplate, TemplateError, type FieldTemplate } from '../../core/field-template.js';
import { awsClientConfig, connectionKey, createClientCache, refuseEndpoint, type AwsConnection } from '../aws/connection.js';
import { describeAwsFailure } from '../aws/failure.js';
import type { SendOutcome } from '../send-outcome.js';

const gzip = promisify(gzipCallback);

export interface S3Request {
  readonly connection: AwsConnection;
  readonly bucket: string;
  readonly forcePathStyle: boolean;
  /** The batch's first event object, unshaped: the key's template is rendered from it. */
  readonly firstEvent: Record<string, unknown>;
  /** The key before the batch id, rendered from the batch's first event. */
  readonly keyTemplate: FieldTemplate;
  readonly gzip: boolean;
  /** The object's name within the key: the batch's id, the same on every attempt of the batch. */
  readonly batchId: string;
  /** The event objects as JSON, one line each, in order. */
  readonly lines: readonly string[];
  readonly timeoutMs: number;
}

export interface S3Sender {
  /** Uploads one object; never rejects: every failure is an outcome. */
  send(request: S3Request): Promise<SendOutcome>;
  close(): Promise<void>;
}

/**
 * Writes each batch as one object `<key template><batch id>.ndjson[.gz]`. The key depends only on
 * the batch (its id, its first event's fields and creation time), and a batch is retried whole
 * under the same id: a retried upload overwrites the object an earlier attempt may have left, so
 * a bucket holds each batch once. Readers deduplicate replays on the events' ids.
 */
export function createS3Sender(options: { readonly allowedHosts: readonly string[] }): S3Sender {
  const allowed = new Set(options.allowedHosts.map((host) => host.toLowerCase()));
  const clients = createClientCache<S3Client>();

  async function send(request: S3Request): Promise<SendOutcome> {
    const started = performance.now();
    const refusal = refuseEndpoint(request.connection, allowed);
    if (refusal !== undefined) return { result: { kind: 'error', code: 'destination_refused' }, durationMs: 0, error: refusal };
    let key: string;
    try {
      key = objectKey(request);
    } catch (error) {
      if (!(error instanceof TemplateError)) throw error;
      return { result: { kind: 'error', code: 'template_failed' }, durationMs: 0, error: `${error.message}; fix s3.key_template` };
    }
    const text = request.lines.map((line) => `${line}\n`).join('');
    const body = request.gzip ? await gzip(text) : Buffer.from(text);
    const client = clients.get(
      connectionKey(request.connection, request.forcePathStyle, request.timeoutMs),
      () => new S3Client({ ...awsClientConfig(request.connection, allowed, request.timeoutMs), forcePathStyle: request.forcePathStyle }),
    );
    try {
      await client.send(
        new PutObjectCommand({
          Bucket: request.bucket,
          Key: key,
          Body: body,
          ContentType: 'application/x-ndjson',
          ...(request.gzip ? { ContentEncoding: 'gzip' } : {}),
        }),
        { abortSignal: AbortSignal.timeout(request.timeoutMs) },
      );
      // S3 answers 200: the object is stored, a 2xx for the delivery verdict.
      return { result: { kind: 'response', status: 200 }, durationMs: Math.round(performance.now() - started), statusCode: 200 };
    } catch (error) {
      return describeAwsFailure('S3', `bucket ${request.bucket}`, error, request.timeoutMs, started);
    }
  }

  return {
    send,
    close: () => {
      clients.close();
      return Promise.resolve();
    },
  };
}

/** The object's key: the template rendered from the first event, at its creation time, then the batch id. */
export function objectKey(request: Pick<S3Request, 'keyTemplate' | 'batchId' | 'firstEvent' | 'gzip'>): string {
  const first = request.firstEvent;
  const created = typeof first['created_at'] === 'string' ? new Date(first['created_at']) : new Date(0);
  const prefix = renderTemplate(request.keyTemplate, first, Number.isNaN(created.getTime()) ? new Date(0) : created);
  return `${prefix}${request.batchId}.ndjson${request.gzip ? '.gz' : ''}`;
}
