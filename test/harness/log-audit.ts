import fs from 'node:fs';
import path from 'node:path';

/** A secret found in a service's log: the file, the line (1-based) and what it looked like. */
export interface LogFinding {
  readonly file: string;
  readonly line: number;
  readonly kind: string;
}

/**
 * What no service may log, whatever the test: API keys and webhook secrets by their shape, any URL
 * with a clear password, `password=` or `"password":` with a value, and the literal secrets the
 * run uses (the secret key, the database password).
 */
const shapes: readonly (readonly [kind: string, pattern: RegExp])[] = [
  ['an API key (evp_sk_…)', /evp_sk_[A-Za-z0-9_-]{20,}/],
  ['a webhook secret (whsec_…)', /whsec_[A-Za-z0-9+/]{16,}/],
  ['a URL with a password', /\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@"'\\]+:(?!\*\*\*@)[^\s/@"'\\]+@/i],
  // `"password":"…"`, `password=…`, also inside a JSON-escaped string; masked or empty values pass.
  ['a password value', /\b(?:password|passwd)\\?["']?\s*[:=]\s*\\?["']?(?!\*\*\*|\[redacted\]|null\b)[^\s"',;&}\\]+/i],
];

/** Scans every file of `dir` line by line; `literals` are further secrets, each with what to call it. */
export function auditLogs(dir: string, literals: readonly (readonly [kind: string, text: string])[]): LogFinding[] {
  const findings: LogFinding[] = [];
  const checks = [
    ...shapes,
    ...literals
      .filter(([, text]) => text.length >= 6)
      .map(([kind, text]) => [kind, { test: (line: string) => line.includes(text) }] as const),
  ];
  for (const name of fs.readdirSync(dir).sort()) {
    const file = path.join(dir, name);
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    lines.forEach((line, index) => {
      for (const [kind, pattern] of checks) if (pattern.test(line)) findings.push({ file, line: index + 1, kind });
    });
  }
  return findings;
}

/** The findings as a failure message: each file and line, never the secret itself. */
export function describeFindings(findings: readonly LogFinding[], dir: string): string {
  const listed = findings.slice(0, 50).map((finding) => `  ${finding.file}:${finding.line}: ${finding.kind}`);
  const more = findings.length > 50 ? [`  … and ${findings.length - 50} more`] : [];
  return [`Service logs of this run hold secrets (${findings.length} line(s)); the logs are kept in ${dir}:`, ...listed, ...more].join(
    '\n',
  );
}
