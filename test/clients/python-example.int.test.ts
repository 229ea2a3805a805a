import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../adapters/project-root.js';
import { startApiStack } from '../api/setup.js';
import { getJson } from '../harness/api.js';
import { useTestContext } from '../harness/index.js';
import { waitFor } from '../harness/materializer.js';
import { sampleData } from '../harness/samples.js';

/**
 * The Python example of the publishing page, taken from the page as it is and run with the
 * machine's python3 against a real API, Kafka and materializer: what users copy must work.
 */
const ctx = useTestContext('python_example');
const org = 'org_python';
let stack: Awaited<ReturnType<typeof startApiStack>>;

beforeAll(async () => {
  stack = await startApiStack(ctx);
});

afterAll(async () => {
  await stack?.stop();
});

/** The page's one ```python block. */
function pythonExample(): string {
  const page = fs.readFileSync(path.join(projectRoot(), 'docs', 'publishing.md'), 'utf8');
  const blocks = [...page.matchAll(/```python\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
  expect(blocks).toHaveLength(1);
  return blocks[0] ?? '';
}

// Publishes the batch given as JSON, then one event that cannot be valid, printing a JSON line each.
const driver = `
import sys
print(json.dumps(publish(json.loads(sys.argv[1]), url=sys.argv[2])))
try:
    publish([{"type": "customer.created", "data": {"id": "cus_py_bad", "email": 7}}], url=sys.argv[2])
    print(json.dumps("no error"))
except ValueError as error:
    print(json.dumps(str(error)))
`;

function runPython(
  script: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('python3', ['-c', script, ...args], { env: { ...process.env, ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
    });
  });
}

describe("the publishing page's Python example", () => {
  it('publishes a batch that the Events API then serves, and turns a refused event into a ValueError naming the problem', async () => {
    const key = await stack.key(org);
    const events = ['cus_py_1', 'cus_py_2'].map((id) => ({
      type: 'customer.created',
      data: JSON.parse(JSON.stringify({ ...sampleData('customer', id), organization_id: org })) as unknown,
    }));
    const run = await runPython(`${pythonExample()}\n${driver}`, [JSON.stringify(events), stack.api.url], { EVP_API_KEY: key });
    expect(run.code, run.stderr).toBe(0);

    const [receiptsLine, refusalLine] = run.stdout.trim().split('\n');
    const receipts = JSON.parse(receiptsLine ?? '[]') as { id: string; type: string; status: string }[];
    expect(receipts.map((receipt) => [receipt.type, receipt.status])).toEqual([
      ['customer.created', 'published'],
      ['customer.created', 'published'],
    ]);
    const refusal = JSON.parse(refusalLine ?? '""') as string;
    expect(refusal).toMatch(/^event_invalid: /);
    expect(refusal).toContain("'param': 'events[0].data.email'");

    for (const receipt of receipts) {
      const stored = await waitFor(
        () => getJson<{ id?: string }>(`${stack.api.url}/api/v1/events/${receipt.id}`, key),
        (answer) => answer.status === 200,
        60_000,
        `event ${receipt.id} served`,
      );
      expect(stored.body.id).toBe(receipt.id);
    }
  });
});
