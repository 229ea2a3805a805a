import { z } from 'zod';
import { optionalText, settingGroup, wholeNumber } from './setting.js';

/** The PostgreSQL store the materializer writes and the API and the streamer read. */
export const databaseSettings = settingGroup({
  name: 'database',
  settings: {
    DATABASE_URL: {
      schema: optionalText.pipe(
        z
          .string()
          .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL, e.g. postgres://postgres@127.0.0.1:5432/event_pipeline')
          .optional(),
      ),
      doc: 'PostgreSQL connection string',
      shownDefault: 'the local server, or an embedded one',
    },
    DATABASE_SCHEMA: {
      schema: z
        .string()
        .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case SQL identifier (letters, digits, _), e.g. public')
        .default('public'),
      doc: "the PostgreSQL schema of the pipeline's tables (created when missing)",
    },
    EVENT_RETENTION_DAYS: {
      schema: wholeNumber(90, 0, 36_500),
      doc: 'days the event log keeps an event (entity state stays); 0 keeps every event',
    },
  },
  build: (e) => ({
    databaseUrl: e.DATABASE_URL,
    databaseSchema: e.DATABASE_SCHEMA,
    eventRetentionDays: e.EVENT_RETENTION_DAYS,
  }),
});
