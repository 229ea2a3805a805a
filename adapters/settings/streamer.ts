import { z } from 'zod';
import { defaultDeliverySchedule } from '../../core/delivery-schedule.js';
import { kafkaSettings } from './kafka.js';
import { instanceId, opsPort, optionalText, settingGroup, wholeNumber } from './setting.js';

/** `evp streamer`'s settings. */
export const streamerSettings = settingGroup({
  name: 'streamer',
  settings: {
    STREAMER_GROUP: {
      schema: optionalText,
      doc: "the streamer's consumer group; instances in one group share the partitions and the delivery work",
      shownDefault: '`<TOPIC_PREFIX>.streamer`',
    },
    STREAMER_PORT: { schema: opsPort(3002), doc: 'its `/healthz` and `/metrics`; 0 picks a free port' },
    STREAMER_RETRY_SCHEDULE_MS: {
      schema: optionalText.pipe(
        z
          .string()
          .regex(/^\d+(,\d+)*$/, 'must be delays in ms separated by commas, e.g. 0,5000,300000')
          .transform((value) => value.split(',').map(Number))
          .pipe(
            z
              .array(z.number().max(7 * 86_400_000, 'each delay must be at most 7 days'))
              .min(1)
              .max(20, 'at most 20 attempts'),
          )
          .optional(),
      ),
      doc: 'delay before each attempt, in ms, for destinations without their own schedule',
      shownDefault: `\`${defaultDeliverySchedule.join(',')}\``,
    },
    STREAMER_MAX_CONCURRENCY: {
      schema: wholeNumber(25, 1, 100),
      doc: 'attempts in flight per destination, for destinations without their own limit (one destination delivers at most this many per round trip)',
    },
    STREAMER_MAX_IN_FLIGHT: {
      schema: wholeNumber(1_000, 1, 100_000),
      doc: 'attempts in flight in one streamer process, all destinations together (each holds a connection); past it, a destination with none in flight may still start one',
    },
    STREAMER_TIMEOUT_MS: { schema: wholeNumber(15_000, 1_000, 60_000), doc: "an attempt's time limit, in ms (webhooks may set their own)" },
    STREAMER_DISABLE_AFTER_HOURS: {
      schema: wholeNumber(120, 1, 8_760),
      doc: 'a destination whose every attempt failed for this many hours is disabled',
    },
    STREAMER_ALERT_AFTER_FAILURES: {
      schema: wholeNumber(5, 1, 1_000_000),
      doc: 'failed attempts in a row that publish `destination.failing`, for destinations without their own `alerts.after_failures`',
    },
    STREAMER_ALERT_AFTER_MS: {
      schema: wholeNumber(900_000, 0, 604_800_000),
      doc: 'a failure run this long, in ms, publishes `destination.failing` (checked at each failed attempt and every 5 s between them), for destinations without their own `alerts.after_ms`',
    },
    STREAMER_INSTANCE_ID: {
      schema: instanceId,
      doc: 'its static member id in the group, unique per process; none (a dynamic member) when the port is 0',
      shownDefault: '`<hostname>-streamer-<port>`',
    },
    DELIVERY_RETENTION_DAYS: {
      schema: wholeNumber(90, 1, 36_500),
      doc: 'deliveries and their attempts are deleted this many days after they were recorded, the event objects they sent once none refers to them, and destinations deleted that long ago once none refers to them',
    },
  },
  reads: { TOPIC_PREFIX: kafkaSettings.settings.TOPIC_PREFIX },
  build: (e) => ({
    streamer: {
      groupId: e.STREAMER_GROUP ?? `${e.TOPIC_PREFIX}.streamer`,
      port: e.STREAMER_PORT,
      retryScheduleMs: e.STREAMER_RETRY_SCHEDULE_MS ?? [...defaultDeliverySchedule],
      maxConcurrency: e.STREAMER_MAX_CONCURRENCY,
      maxInFlight: e.STREAMER_MAX_IN_FLIGHT,
      timeoutMs: e.STREAMER_TIMEOUT_MS,
      disableAfterHours: e.STREAMER_DISABLE_AFTER_HOURS,
      alertAfterFailures: e.STREAMER_ALERT_AFTER_FAILURES,
      alertAfterMs: e.STREAMER_ALERT_AFTER_MS,
      deliveryRetentionDays: e.DELIVERY_RETENTION_DAYS,
      /** Undefined: `<hostname>-streamer-<port>`, chosen at start. */
      instanceId: e.STREAMER_INSTANCE_ID,
    },
  }),
});
