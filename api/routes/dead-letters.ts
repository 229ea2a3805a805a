import { DeadLetter, ListDeadLettersQuery, deadLetterIdPattern } from '../dead-letter-schemas.js';
import type { ApiContext, ApiInstance } from '../context.js';
import { invalidParameter, refuseTwoCursors } from '../errors.js';
import { errorResponses, listOf } from '../schemas.js';
import { listDeadLetters, type DeadLetterRow } from '../../store/list-dead-letters.js';

const idPrefix = 'dlq_';

/**
 * Records the materializer could not store, of the key's organization: the organization is the
 * record's `ce_orgid` header, so a record without it is nobody's and not listed.
 */
export function deadLetterRoutes(app: ApiInstance, ctx: ApiContext): void {
  app.get(
    '/api/v1/dead-letters',
    {
      config: { scope: 'events:read' },
      schema: {
        operationId: 'listDeadLetters',
        summary: 'List dead letters',
        description:
          'Records of the organization (by their `ce_orgid` header) that could not be materialised, newest first, with the reason. Records without that header belong to no organization and appear to no key. Page with `starting_after` (older) or `ending_before` (newer).',
        tags: ['dead letters'],
        querystring: ListDeadLettersQuery,
        response: { 200: listOf(DeadLetter, 'A page of dead letters, newest first.'), ...errorResponses },
      },
    },
    async (request) => {
      const query = request.query;
      refuseTwoCursors(query);
      const position = (param: 'starting_after' | 'ending_before') => {
        const id = query[param];
        if (id === undefined) return undefined;
        if (!deadLetterIdPattern.test(id))
          throw invalidParameter(param, `${param} must be the id of a dead letter (dlq_…) of a previous page.`);
        return BigInt(id.slice(idPrefix.length));
      };
      const { rows, hasMore } = await listDeadLetters(ctx.query, request.organizationId, query.limit ?? 20, {
        startingAfter: position('starting_after'),
        endingBefore: position('ending_before'),
      });
      return { object: 'list' as const, url: '/api/v1/dead-letters', has_more: hasMore, data: rows.map(toDeadLetterObject) };
    },
  );
}

function toDeadLetterObject(row: DeadLetterRow) {
  return {
    object: 'dead_letter' as const,
    id: `${idPrefix}${row.id}`,
    group_id: row.group_id,
    topic: row.topic,
    partition: row.partition,
    offset: Number(row.kafka_offset),
    reason_code: row.reason_code,
    reason: row.reason,
    failed_at: row.failed_at.toISOString(),
    key: row.key === null ? null : row.key.toString('utf8'),
    event_id: row.event_id,
    event_type: row.event_type,
  };
}
