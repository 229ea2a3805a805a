import { setTimeout as sleep } from 'node:timers/promises';
import { entityTopic } from '../../core/topics.js';
import type { Scenario } from '../scenario.js';
import { missingDeadLetters } from './poison-records.js';

/**
 * 0. The suite's own test, run only when named (`npm run chaos -- self-check`): the pipeline runs
 * undisturbed while the suite itself breaks what the checks guard, so the run must FAIL and name
 * each break. It deletes three stored events (lost, and their entities' versions off; the Kafka
 * check must find them in Kafka), deletes the attempts of two delivered deliveries (requests not
 * on record), records an attempt no request was made for (phantom), sends the receiver one unsigned
 * request (unverified, not on record) and expects a dead letter that was never written.
 */
export const selfCheck: Scenario = {
  id: '0',
  name: 'self-check',
  title: 'self-check: the suite breaks guarantees (must FAIL)',
  brokers: 1,
  rate: 50,
  async inject(ctx) {
    await sleep(5000);
    const { pool } = ctx.pipeline;
    const organizationId = ctx.tenant.organizationId;
    const lost = await pool.query('delete from events where id in (select id from events where organization_id = $1 order by id limit 3)', [
      organizationId,
    ]);
    const delivered = await pool.query<{ id: string }>(
      `select id from deliveries where organization_id = $1 and status = 'delivered' and not test order by id limit 3`,
      [organizationId],
    );
    const [first, second, third] = delivered.rows.map((row) => row.id);
    const unlogged = await pool.query('delete from delivery_attempts where delivery_id = any($1::text[])', [[first, second]]);
    await pool.query(
      `insert into delivery_attempts (delivery_id, attempt, attempted_at, duration_ms, status_code, outcome)
       values ($1, 1000, now(), 1, 204, 'succeeded')`,
      [third],
    );
    const forged = await fetch(ctx.tenant.receiver.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'webhook-id': 'msg_forged', 'webhook-timestamp': '1', 'webhook-signature': 'v1,AAAA' },
      body: '{"id":"evt_forged"}',
    });
    await forged.body?.cancel();
    const broken = `deleted ${lost.rowCount ?? 0} stored events and ${unlogged.rowCount ?? 0} attempts, 1 phantom attempt, 1 forged request`;
    ctx.note(broken);
    await sleep(3000);
    const topic = entityTopic(ctx.pipeline.topicPrefix, 'invoice');
    return {
      injected: `${broken}, 1 dead letter expected`,
      faults: [],
      check: (store) => missingDeadLetters(store, topic, [{ kind: 'never produced', partition: 0, offset: '999999999' }]),
    };
  },
};
