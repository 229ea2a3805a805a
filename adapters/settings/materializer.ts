import { kafkaSettings } from './kafka.js';
import { instanceId, opsPort, optionalText, settingGroup, wholeNumber } from './setting.js';

/** `evp materializer`'s settings. */
export const materializerSettings = settingGroup({
  name: 'materializer',
  settings: {
    MATERIALIZER_GROUP: {
      schema: optionalText,
      doc: "the materializer's consumer group; instances in one group share the partitions",
      shownDefault: '`<TOPIC_PREFIX>.materializer`',
    },
    MATERIALIZER_PORT: { schema: opsPort(3001), doc: 'its `/healthz` and `/metrics`; 0 picks a free port' },
    MATERIALIZER_BATCH_SIZE: { schema: wholeNumber(2000, 1, 100_000), doc: 'most events written in one transaction' },
    MATERIALIZER_LINGER_MS: {
      schema: wholeNumber(100, 0, 60_000),
      doc: 'how long a fetch at the head of the log waits for a record, in ms (`fetch.max.wait.ms`); a fetch returns as soon as one is there, and batches grow only under load',
    },
    MATERIALIZER_CONCURRENCY: { schema: wholeNumber(3, 1, 64), doc: 'partitions written at once, each on its own connection' },
    MATERIALIZER_INSTANCE_ID: {
      schema: instanceId,
      doc: 'its static member id in the group, unique per process; none (a dynamic member) when the port is 0',
      shownDefault: '`<hostname>-materializer-<port>`',
    },
  },
  reads: { TOPIC_PREFIX: kafkaSettings.settings.TOPIC_PREFIX },
  build: (e) => ({
    materializer: {
      groupId: e.MATERIALIZER_GROUP ?? `${e.TOPIC_PREFIX}.materializer`,
      port: e.MATERIALIZER_PORT,
      batchSize: e.MATERIALIZER_BATCH_SIZE,
      lingerMs: e.MATERIALIZER_LINGER_MS,
      concurrency: e.MATERIALIZER_CONCURRENCY,
      /** Undefined: `<hostname>-materializer-<port>`, chosen at start. */
      instanceId: e.MATERIALIZER_INSTANCE_ID,
    },
  }),
});
