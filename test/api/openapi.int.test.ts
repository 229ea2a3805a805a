import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../adapters/project-root.js';
import { startTestApi } from '../harness/api.js';
import { useTestContext } from '../harness/index.js';

const ctx = useTestContext('api_openapi');

/** Runs a linter; a finding is not a failure here (the exit code says there are findings), the test reads them. */
function run(command: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      // No telemetry and no update check: the run must not depend on reaching anything but the API.
      {
        maxBuffer: 64 * 1024 * 1024,
        timeout: 100_000,
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
      },
      (_error, stdout, stderr) => resolve({ stdout, stderr }),
    );
  });
}
let api: Awaited<ReturnType<typeof startTestApi>>;

beforeAll(async () => {
  api = await startTestApi(ctx, (await ctx.createTestDatabase()).schema);
});

afterAll(async () => {
  await api?.stop();
});

interface Operation {
  operationId?: string;
  tags?: string[];
  security?: unknown[];
}

interface Document {
  openapi: string;
  info: { license?: { name: string } };
  servers?: { url: string }[];
  tags?: { name: string; description?: string }[];
  paths: Record<string, Record<string, Operation>>;
  webhooks?: Record<string, { post: Operation }>;
  components: { schemas?: Record<string, unknown> };
}

describe('the OpenAPI document', () => {
  it('names every operation once, declares every tag it uses, and says where the API is and under what licence', async () => {
    const document = (await (await fetch(`${api.url}/openapi.json`)).json()) as Document;
    expect(document.openapi).toBe('3.1.0');
    expect(document.info.license?.name).toBe('Apache-2.0');
    expect(document.servers?.length).toBeGreaterThan(0);

    const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ where: `${method.toUpperCase()} ${path}`, ...operation })),
    );
    const ids = operations.map((operation) => operation.operationId);
    expect(ids.filter((id) => id === undefined || !/^[a-z][A-Za-z]+$/.test(id))).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining(['listEvents', 'publishEvent', 'publishEvents', 'createDestination', 'retryDelivery']));

    const declared = new Set((document.tags ?? []).map((tag) => tag.name));
    for (const tag of document.tags ?? []) expect(tag.description, tag.name).toBeTruthy();
    for (const operation of operations) {
      expect(operation.tags?.length, operation.where).toBeGreaterThan(0);
      for (const tag of operation.tags ?? []) expect(declared.has(tag), `${operation.where}: tag ${tag}`).toBe(true);
    }
  });

  // The API refuses to serve a document where two different schemas share a name, so this would fail too.
  it('names the resources and errors as components, and describes what a webhook destination receives', async () => {
    const document = (await (await fetch(`${api.url}/openapi.json`)).json()) as Document;
    const names = Object.keys(document.components.schemas ?? {});
    expect(names).toEqual(
      expect.arrayContaining([
        'Event',
        'Error',
        'Destination',
        'Delivery',
        'Attempt',
        'EventToPublish',
        'EventReceipt',
        'BatchReceipt',
        'Organization',
      ]),
    );
    const text = JSON.stringify(document);
    for (const ref of text.matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)) expect(names, ref[1]).toContain(ref[1]);

    const webhook = document.webhooks?.['event']?.post as Operation & { parameters: { name: string }[]; requestBody: unknown };
    expect(webhook.parameters.map((header) => header.name)).toEqual(['webhook-id', 'webhook-timestamp', 'webhook-signature']);
    expect(JSON.stringify(webhook.requestBody)).toContain('#/components/schemas/Event');
  });

  it("passes Redocly's and Spectral's recommended rules, but for Spectral's reading of scopes", async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'evp-openapi-')), 'openapi.json');
    fs.writeFileSync(file, await (await fetch(`${api.url}/openapi.json`)).text());
    const bin = (name: string) => path.join(projectRoot(), 'node_modules', '.bin', name);

    const redocly = await run(bin('redocly'), ['lint', '--format', 'json', file]);
    const redoclyProblems = (JSON.parse(redocly.stdout) as { problems: { ruleId: string; severity: string }[] }).problems;
    expect(redoclyProblems.map((problem) => `${problem.severity} ${problem.ruleId}`)).toEqual([]);

    const spectral = await run(bin('spectral'), [
      'lint',
      '--format',
      'json',
      '--quiet',
      '--ruleset',
      path.join(projectRoot(), '.spectral.yaml'),
      file,
    ]);
    const spectralProblems = JSON.parse(spectral.stdout || '[]') as { code: string; severity: number; message: string }[];
    expect(spectralProblems.filter((problem) => problem.severity === 0)).toEqual([]);
    // OpenAPI 3.1 lets a bearer scheme list role names (the scope each operation needs); this
    // rule of Spectral's knows scopes of OAuth only, so it warns once per scoped operation.
    expect(new Set(spectralProblems.map((problem) => problem.code))).toEqual(new Set(['oas3-operation-security-defined']));
  }, 120_000);
});
