import { checkServiceUrl } from '../../core/destination-rules.js';
import { checkAwsConnection } from '../aws/connection.js';
import { resolveUrlHost } from '../resolve-url-host.js';
import { defineServerKind } from '../server-kind.js';
import { sqs } from './kind.js';
import { createSqsSender } from './sender.js';

/** SQS queues: the queue's URL and endpoint are held to the webhook URL rules; an attempt sends a group of messages. */
export const sqsServer = defineServerKind({
  kind: sqs,
  check: async (settings, context) => [
    ...checkServiceUrl(
      settings.queue_url,
      await resolveUrlHost(settings.queue_url, context.allowedHosts, 'sqs.queue_url'),
      context.allowedHosts,
      { field: 'sqs.queue_url', noun: 'queue URLs' },
    ),
    ...(await checkAwsConnection('sqs', settings, context)),
  ],
  createSender: (environment) => createSqsSender({ allowedHosts: environment.allowedHosts }),
  plan: (settings, sender, defaults) => ({
    claim: { mode: 'group' },
    timeoutMs: defaults.timeoutMs,
    send: (unit) =>
      sender.send({ connection: settings, queueUrl: settings.queue_url, deliveries: unit.deliveries, timeoutMs: defaults.timeoutMs }),
  }),
});
