import { Type, type Static } from 'typebox';
import { Nullable, SafeInteger, SafeString, titled } from './schemas.js';

/** Request and response schemas of the dead letters: records the materializer could not store. */

/** `dlq_` + the row's number; checked by the route, whose message names the shape (the schema's pattern would not). */
export const deadLetterIdPattern = /^dlq_[1-9][0-9]{0,17}$/;

export const DeadLetter = titled(
  'DeadLetter',
  Type.Object({
    object: Type.Literal('dead_letter'),
    id: Type.String({ description: '`dlq_` + a number; newer dead letters have greater numbers.' }),
    group_id: Type.String({ description: 'The consumer group that could not store the record.' }),
    topic: Type.String(),
    partition: Type.Integer(),
    offset: Type.Integer(),
    reason_code: Type.String({ description: 'wire_format, unknown_schema, undecodable, invalid or rejected.' }),
    reason: Type.String(),
    failed_at: Type.String({ format: 'date-time' }),
    key: Nullable(Type.String({ description: 'The record key as UTF-8 text.' })),
    event_id: Nullable(Type.String({ description: 'The `ce_id` header.' })),
    event_type: Nullable(Type.String({ description: 'The `ce_type` header.' })),
  }),
);

export const ListDeadLettersQuery = Type.Object(
  {
    limit: Type.Optional(SafeInteger({ minimum: 1, maximum: 100, default: 20, description: 'How many dead letters to return, 1 to 100.' })),
    starting_after: Type.Optional(
      SafeString({ minLength: 1, maxLength: 30, description: 'Cursor: the dead letters after (older than) this one (dlq_…).' }),
    ),
    ending_before: Type.Optional(
      SafeString({ minLength: 1, maxLength: 30, description: 'Cursor: the dead letters before (newer than) this one (dlq_…).' }),
    ),
  },
  { additionalProperties: false },
);
export type ListDeadLettersQuery = Static<typeof ListDeadLettersQuery>;
