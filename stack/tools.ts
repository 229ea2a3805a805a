import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { StackError, stackErrorCodes } from '../adapters/errors.js';

const run = promisify(execFile);

const dockerHint = 'or run `docker compose up -d` and set KAFKA_BROKERS, SCHEMA_REGISTRY_URL and DATABASE_URL';

/** Parses the major version from `java -version` output ('openjdk version "17.0.15"', '"1.8.0_392"'). */
export function parseJavaMajor(versionOutput: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(versionOutput);
  if (!match?.[1]) return undefined;
  const first = Number(match[1]);
  return first === 1 && match[2] ? Number(match[2]) : first;
}

async function javaMajor(javaBin: string): Promise<number | undefined> {
  try {
    const { stderr, stdout } = await run(javaBin, ['-version'], { timeout: 15_000 });
    return parseJavaMajor(stderr + stdout);
  } catch {
    return undefined;
  }
}

export interface JavaSearch {
  /** Checked first, in order: explicit homes (undefined entries are skipped). */
  homes: readonly (string | undefined)[];
  minMajor: number;
  /** What needs it, for the error message. */
  purpose: string;
  /** Also look at every JDK under this directory (Debian keeps them in /usr/lib/jvm). */
  jvmRoot?: string;
}

/** Finds a `java` binary of at least `minMajor`: given homes, then PATH, then `jvmRoot`. */
export async function findJava(search: JavaSearch): Promise<{ bin: string; major: number }> {
  const candidates: string[] = [];
  for (const home of search.homes) if (home) candidates.push(path.join(home, 'bin', 'java'));
  candidates.push('java');
  const root = search.jvmRoot ?? '/usr/lib/jvm';
  try {
    for (const entry of fs.readdirSync(root).sort().reverse()) candidates.push(path.join(root, entry, 'bin', 'java'));
  } catch {
    // No JVM directory on this system.
  }
  const seen: string[] = [];
  for (const bin of candidates) {
    const major = await javaMajor(bin);
    if (major === undefined) continue;
    seen.push(`${bin} (${major})`);
    if (major >= search.minMajor) return { bin, major };
  }
  const found = seen.length > 0 ? `found only ${seen.join(', ')}` : 'found no java at all';
  throw new StackError(
    stackErrorCodes.toolMissing,
    `${search.purpose} needs Java ${search.minMajor} or newer; ${found}. ` +
      `Install a JDK ${search.minMajor}+ (e.g. apt-get install openjdk-${search.minMajor}-jdk-headless, or Temurin) ` +
      `and set JAVA_HOME or EVP_REGISTRY_JAVA_HOME, ${dockerHint}.`,
  );
}

/** Checks that Maven runs; the stack fetches Kafka and the registry through it. */
export async function requireMaven(): Promise<void> {
  try {
    await run('mvn', ['-v'], { timeout: 30_000 });
  } catch (error) {
    throw new StackError(
      stackErrorCodes.toolMissing,
      `Maven (mvn) is needed to fetch Kafka and Apicurio Registry from Maven Central but does not run. ` +
        `Install it (apt-get install maven), ${dockerHint}.`,
      { cause: error },
    );
  }
}

/** Runs one of the committed poms' generate-resources phase with the given properties. */
export async function runMaven(pom: string, workDir: string, properties: Record<string, string>): Promise<void> {
  const all = { ...properties, 'maven.work': workDir };
  const args = ['-B', '-q', '-f', pom, 'generate-resources', ...Object.entries(all).map(([k, v]) => `-D${k}=${v}`)];
  try {
    await run('mvn', args, { timeout: 15 * 60_000, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const output = error && typeof error === 'object' && 'stdout' in error ? String(error.stdout).slice(-4000) : '';
    throw new StackError(stackErrorCodes.fetchFailed, `mvn ${args.join(' ')} failed; is Maven Central reachable?\n${output}`, {
      cause: error,
      retriable: true,
    });
  }
}

/** Maven's work folder inside a download, removed before the download is renamed into place. */
export const mavenWork = '.maven';

/**
 * Fetches into `target` once: Maven writes into a temporary sibling which is renamed into place
 * only when complete, so an interrupted download is retried rather than half-used.
 */
export async function fetchOnce(target: string, fetch: (into: string) => Promise<void>): Promise<boolean> {
  if (fs.existsSync(target)) return false;
  const temporary = `${target}.partial-${process.pid}`;
  fs.rmSync(temporary, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(target), { recursive: true });
  try {
    await fetch(temporary);
    fs.rmSync(path.join(temporary, mavenWork), { recursive: true, force: true });
    try {
      fs.renameSync(temporary, target);
    } catch (error) {
      // Another `stack up` finished the same fetch first: use theirs.
      if (!fs.existsSync(target)) throw error;
    }
  } finally {
    fs.rmSync(temporary, { recursive: true, force: true });
  }
  return true;
}
