import { checkAwsConnection } from '../aws/connection.js';
import { defineServerKind } from '../server-kind.js';
import { kinesis } from './kind.js';
import { createKinesisSender } from './sender.js';

/** Kinesis's rule for stream names. */
const streamPattern = /^[a-zA-Z0-9_.-]{1,128}$/;

/** Kinesis data streams: an attempt puts a group of records, partitioned by entity. */
export const kinesisServer = defineServerKind({
  kind: kinesis,
  check: async (settings, context) => [
    ...(streamPattern.test(settings.stream_name)
      ? []
      : [{ field: 'kinesis.stream_name', message: 'a stream name is 1 to 128 letters, digits, underscores, dots and dashes' }]),
    ...(await checkAwsConnection('kinesis', settings, context)),
  ],
  createSender: (environment) => createKinesisSender({ allowedHosts: environment.allowedHosts }),
  plan: (settings, sender, defaults) => ({
    claim: { mode: 'group' },
    timeoutMs: defaults.timeoutMs,
    send: (unit) =>
      sender.send({ connection: settings, streamName: settings.stream_name, deliveries: unit.deliveries, timeoutMs: defaults.timeoutMs }),
  }),
});
