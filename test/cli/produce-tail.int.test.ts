import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../adapters/project-root.js';
import { useTestContext } from '../harness/index.js';
import { sampleData } from '../harness/samples.js';

const ctx = useTestContext('cli-produce');
const run = promisify(execFile);
const root = projectRoot();

/** Runs `evp` from the source tree with this file's environment; never throws, returns the exit code. */
async function evpWith(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(path.join(root, 'node_modules', '.bin', 'tsx'), [path.join(root, 'cli', 'evp.ts'), ...args], {
      env: { ...process.env, ...ctx.env, ...env },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const evp = (...args: string[]) => evpWith({}, ...args);

describe('evp topics, schemas, produce and tail', () => {
  it('sets up topics and schemas, produces from flags and from a file with bad lines, and tails the events', async () => {
    const topics = await evp('topics', 'ensure', '--partitions', '2', '--retention', '1h');
    expect(topics.code).toBe(0);
    expect(topics.stdout).toContain(`created   ${ctx.topicPrefix}.invoice  partitions=2`);
    expect(topics.stdout).toContain(`${ctx.topicPrefix}.dead-letter`);

    const registered = await evp('schemas', 'register');
    expect(registered.code).toBe(0);
    expect(registered.stdout).toMatch(
      new RegExp(`registered +${ctx.topicPrefix.replaceAll('.', '\\.')}\\.invoice-value +id=\\d+ version=1`),
    );
    const checked = await evp('schemas', 'check');
    expect(checked.code).toBe(0);
    expect(checked.stdout).toContain(`unchanged    ${ctx.topicPrefix}.invoice-value  (BACKWARD)`);

    const data = sampleData('invoice', 'inv_cli');
    const single = await evp(
      'produce',
      'invoice.paid',
      '--org',
      'org_cli',
      '--data',
      JSON.stringify(data),
      '--previous',
      '{"status":"sent"}',
    );
    expect(single.code).toBe(0);
    expect(JSON.parse(single.stdout)).toMatchObject({ topic: `${ctx.topicPrefix}.invoice`, offset: expect.stringMatching(/^\d+$/) });

    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'evp-cli-')), 'events.ndjson');
    const line = (event: unknown) => JSON.stringify(event);
    fs.writeFileSync(
      file,
      [
        line({ type: 'invoice.created', organization_id: 'org_cli', data: sampleData('invoice', 'inv_file_1') }),
        '{not json',
        line({ type: 'invoice.exploded', organization_id: 'org_cli', data: sampleData('invoice', 'inv_x') }),
        line({ type: 'invoice.paid', organization_id: 'org_cli', data: { ...sampleData('invoice', 'inv_x'), total_amount: 'lots' } }),
        '',
        line({ type: 'invoice.sent', organization_id: 'org_cli', data: sampleData('invoice', 'inv_file_2') }),
      ].join('\n'),
    );
    const produced = await evp('produce', '--file', file);
    expect(produced.code).toBe(1);
    expect(produced.stderr).toContain('line 2 [EVP_INPUT_INVALID]: not valid JSON');
    expect(produced.stderr).toContain('line 3 [EVP_EVENT_TYPE_UNKNOWN]: Unknown event type "invoice.exploded"');
    expect(produced.stderr).toContain('line 4 [EVP_EVENT_INVALID]');
    expect(produced.stderr).toContain('data.total_amount: expected an integer (long), got the string "lots"');
    expect(produced.stderr).toContain('2 event(s) sent, 3 line(s) failed');
    const sent = produced.stdout
      .trim()
      .split('\n')
      .map((text) => JSON.parse(text) as { line: number; eventId: string });
    expect(sent.map((s) => s.line)).toEqual([1, 6]);

    const tailed = await evp('tail', '--from-beginning', '--type', 'invoice.created', 'invoice.sent', '--limit', '2');
    expect(tailed.code).toBe(0);
    const events = tailed.stdout
      .trim()
      .split('\n')
      .map((text) => JSON.parse(text) as Record<string, unknown>);
    expect(events.map((e) => e['id']).sort()).toEqual(sent.map((s) => s.eventId).sort());
    expect(events[0]).toMatchObject({ organization_id: 'org_cli', occurred_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/) });
  });

  it('answers bad flags with an error naming the flag', async () => {
    const noOrg = await evp('produce', 'invoice.paid', '--data', '{}');
    expect(noOrg.code).toBe(1);
    expect(noOrg.stderr).toContain('evp: error [EVP_INPUT_INVALID]: --org is required');
    const badJson = await evp('produce', 'invoice.paid', '--org', 'o', '--data', '{oops');
    expect(badJson.stderr).toContain('--data is not valid JSON');
    const badRetention = await evp('topics', 'ensure', '--retention', 'soon');
    expect(badRetention.stderr).toContain('--retention must be a duration such as 7d');
    const noKafka = await evpWith(
      { KAFKA_BROKERS: '127.0.0.1:1' },
      'produce',
      'invoice.paid',
      '--org',
      'o',
      '--data',
      JSON.stringify(sampleData('invoice', 'inv_k')),
    );
    expect(noKafka.stderr).toContain('evp: error [EVP_KAFKA_UNREACHABLE]: Kafka at 127.0.0.1:1 is unreachable');
    const badPattern = await evp('tail', '--type', 'Invoice!');
    expect(badPattern.stderr).toContain('--type Invoice!: a pattern is');
  });
});
