import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser } from 'playwright-core';
import { withLock } from '../../stack/lock.js';

const run = promisify(execFile);

/** Debian's Chromium; `CHROMIUM_PATH` points elsewhere. Playwright never downloads a browser here. */
export const chromiumPath = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/**
 * Makes sure Chromium is installed: from Debian's packages (`apt-get install chromium`) when it is
 * missing and this runs as root, under a lock so two test files never run apt-get at once.
 * Otherwise the error says what to install.
 */
export async function ensureChromium(): Promise<string> {
  if (fs.existsSync(chromiumPath)) return chromiumPath;
  if (process.getuid?.() !== 0) {
    throw new Error(`Chromium is not at ${chromiumPath}: install it with \`sudo apt-get install -y chromium\` or set CHROMIUM_PATH.`);
  }
  await withLock(path.join(os.tmpdir(), 'evp-chromium-install.lock'), 15 * 60_000, async () => {
    if (fs.existsSync(chromiumPath)) return;
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    await run('apt-get', ['update', '-qq'], { env, maxBuffer: 64 * 1024 * 1024 });
    await run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium'], { env, maxBuffer: 64 * 1024 * 1024 });
  });
  if (!fs.existsSync(chromiumPath)) throw new Error(`apt-get install chromium finished but ${chromiumPath} is still missing.`);
  return chromiumPath;
}

/**
 * Headless Chromium driven by playwright-core. The flags keep it off the network (these machines
 * are offline; without them it keeps trying Google's hosts) and let it run as root.
 */
export async function launchBrowser(): Promise<Browser> {
  const executablePath = await ensureChromium();
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}
