import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';

/** Where Kafka's own Java tools run from: a `java` of the version Kafka needs and the stack's `libs/`. */
export interface KafkaToolLauncher {
  readonly java: string;
  readonly libs: string;
}

/** A launcher, or why there is none (the table prints the reason instead of a figure). */
export type KafkaTools = KafkaToolLauncher | { readonly unavailable: string };

export interface KafkaToolRun {
  /** The exit code, the signal's name, or why the process did not start. */
  readonly exit: number | string;
  /** Its non-blank stdout lines, in order. */
  readonly stdout: readonly string[];
  readonly stderr: readonly string[];
}

/**
 * Runs `org.apache.kafka.tools.<className>` as `kafka-run-class.sh` would, its stderr echoed as
 * `  <label> (stderr): …`. Warnings only (a log4j file of its own in a temporary directory), and
 * an English locale, so the decimal point of the figures it prints stays a point.
 */
export async function runKafkaTool(
  launcher: KafkaToolLauncher,
  className: string,
  args: readonly string[],
  label: string,
  onChild?: (child: ChildProcess | undefined) => void,
): Promise<KafkaToolRun> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'evp-bench-'));
  try {
    const log4j = path.join(work, 'log4j.properties');
    fs.writeFileSync(
      log4j,
      [
        'log4j.rootLogger=WARN, stderr',
        'log4j.appender.stderr=org.apache.log4j.ConsoleAppender',
        'log4j.appender.stderr.Target=System.err',
        'log4j.appender.stderr.layout=org.apache.log4j.PatternLayout',
        'log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n',
        '',
      ].join('\n'),
    );
    const jvm = ['-Xmx512M', '-Duser.language=en', '-Duser.country=US', `-Dlog4j.configuration=file:${log4j}`];
    const child = spawn(launcher.java, [...jvm, '-cp', path.join(launcher.libs, '*'), `org.apache.kafka.tools.${className}`, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    onChild?.(child);
    const stdout: string[] = [];
    const stderr: string[] = [];
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.trim() !== '') stdout.push(line.trim());
    });
    readline.createInterface({ input: child.stderr }).on('line', (line) => {
      stderr.push(line);
      process.stderr.write(`  ${label} (stderr): ${line}\n`);
    });
    const exit = await new Promise<number | string>((resolve) => {
      child.on('error', (error) => resolve(error.message));
      child.on('close', (code, signal) => resolve(code ?? signal ?? 'unknown'));
    });
    onChild?.(undefined);
    return { exit, stdout, stderr };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
