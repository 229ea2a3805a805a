import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { build } from 'vite';
import { projectRoot } from '../../adapters/project-root.js';

/** Where browser tests leave their screenshots (git-ignored). */
export const artifactsDir = path.join(projectRoot(), 'test-artifacts', 'console');

/**
 * Builds the web console from its sources into a folder of the test's own, so a test always runs
 * the console as it is now (not an older dist/ build) and never races `npm run build`.
 */
export async function buildConsole(): Promise<string> {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'evp-console-'));
  await build({
    configFile: path.join(projectRoot(), 'console', 'vite.config.ts'),
    build: { outDir, emptyOutDir: true },
    logLevel: 'error',
  });
  return outDir;
}

/** A full-page screenshot under test-artifacts/console/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(artifactsDir, { recursive: true });
  const file = path.join(artifactsDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * Polls `check` (which may click Refresh first) until it returns true; fails naming `what`.
 * A ceiling for a busy machine, not a timing assertion.
 */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}
