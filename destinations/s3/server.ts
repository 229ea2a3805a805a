import { checkTemplates, isTemplate, parseTemplate, type FieldTemplate } from '../../core/field-template.js';
import { checkAwsConnection } from '../aws/connection.js';
import { defineServerKind, eventObjectOf, refusedPlan, type PendingDelivery } from '../server-kind.js';
import { defaultKeyTemplate, s3 } from './kind.js';
import { createS3Sender } from './sender.js';

const defaultMaxEvents = 1_000;
const defaultMaxWaitMs = 60_000;
/** S3's own rule for bucket names (and most compatible stores'). */
const bucketPattern = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** S3 buckets: a batch of events is one NDJSON object, keyed by its batch id. */
export const s3Server = defineServerKind({
  kind: s3,
  check: async (settings, context) => [
    ...(bucketPattern.test(settings.bucket)
      ? []
      : [{ field: 's3.bucket', message: 'a bucket name is 3 to 63 lower-case letters, digits, dots and dashes' }]),
    ...(await checkAwsConnection('s3', settings, context)),
    ...checkTemplates(s3.templates?.(settings) ?? [], context.subscribed),
  ],
  createSender: (environment) => createS3Sender({ allowedHosts: environment.allowedHosts }),
  plan: (settings, sender, defaults) => {
    const template = parseTemplate(settings.key_template ?? defaultKeyTemplate, { time: true });
    // Saved under older rules: each attempt says what is wrong with it.
    if (!isTemplate(template)) return refusedPlan('s3', defaults);
    const keyTemplate: FieldTemplate = template;
    return {
      claim: { mode: 'batch', maxEvents: settings.max_events ?? defaultMaxEvents, maxWaitMs: settings.max_wait_ms ?? defaultMaxWaitMs },
      timeoutMs: defaults.timeoutMs,
      send: (unit) =>
        sender.send({
          connection: settings,
          bucket: settings.bucket,
          forcePathStyle: settings.force_path_style ?? false,
          keyTemplate,
          gzip: settings.gzip ?? false,
          batchId: unit.batchId ?? unit.deliveries[0]?.id ?? 'empty',
          lines: unit.deliveries.map(lineOf),
          firstEvent: unit.deliveries[0] === undefined ? {} : eventObjectOf(unit.deliveries[0]),
          timeoutMs: defaults.timeoutMs,
        }),
    };
  },
});

/**
 * A delivery's NDJSON line: its event object with `delivery_id` first, the id a reader
 * deduplicates on (a retry or a replay writes the same line again, in another object).
 */
export function lineOf(delivery: PendingDelivery): string {
  const rest = delivery.payload.slice(delivery.payload.indexOf('{') + 1).trimStart();
  return `{"delivery_id":${JSON.stringify(delivery.id)}${rest.startsWith('}') ? '' : ','}${rest}`;
}
