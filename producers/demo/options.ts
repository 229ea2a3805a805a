import { InputError } from '../../adapters/errors.js';

/** What `evp demo` runs with. Every field but the config has a default (`demoDefaults`). */
export interface DemoOptions {
  /** Events published per second, paced evenly. @defaultValue 20 */
  readonly ratePerSecond: number;
  /** Stop after this long, in ms; none: until stopped. */
  readonly durationMs?: number | undefined;
  /** Stop after this many events; none: until stopped. */
  readonly count?: number | undefined;
  /** How many organizations publish (org_acme, org_globex, org_initech, …). @defaultValue 3 */
  readonly organizations: number;
  /** Seeds the plan: the same seed gives the same lifecycles and data (ids differ per run). @defaultValue random, logged */
  readonly seed: number;
  /** Port of the webhook receiver on 127.0.0.1 (0: any free port); null: no receiver. @defaultValue 3003 */
  readonly receiverPort: number | null;
  /** The host destinations reach the receiver by; other than 127.0.0.1 it listens on every interface (containers). @defaultValue 127.0.0.1 */
  readonly receiverHost?: string | undefined;
  /** Share of first delivery attempts the receiver answers 503 (Retry-After: 2), to show a retry. @defaultValue 0.05 */
  readonly retryShare: number;
  /** How often a progress line is logged, in ms. @defaultValue 10000 */
  readonly progressIntervalMs: number;
}

export const demoDefaults = {
  ratePerSecond: 20,
  organizations: 3,
  receiverPort: 3003,
  retryShare: 0.05,
  progressIntervalMs: 10_000,
} as const;

/** The most events per second the pacer is asked for; past it, use `evp produce --file` or a bench. */
export const maxRatePerSecond = 10_000;

/** `20/s`, `20`, `1200/min` → events per second; the error names --rate. */
export function parseRate(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(?:\/\s*(s|sec|second|m|min|minute))?\s*$/i.exec(text);
  const amount = match ? Number(match[1]) : NaN;
  const perMinute = match?.[2] !== undefined && /^m/i.test(match[2]);
  const rate = perMinute ? amount / 60 : amount;
  if (!Number.isFinite(rate) || rate <= 0 || rate > maxRatePerSecond) {
    throw new InputError(
      `--rate must be events per second above 0 and at most ${maxRatePerSecond}, such as 20/s, 20 or 600/min; got ${JSON.stringify(text)}`,
    );
  }
  return rate;
}

const durationUnits: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** `60s`, `5m`, `1h`, `500ms` or plain seconds → ms; the error names --duration. */
export function parseDuration(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/i.exec(text);
  const ms = match ? Number(match[1]) * (durationUnits[(match[2] ?? 's').toLowerCase()] as number) : NaN;
  if (!Number.isFinite(ms) || ms <= 0) {
    throw new InputError(`--duration must be a time above 0 such as 60s, 5m or 1h; got ${JSON.stringify(text)}`);
  }
  return Math.round(ms);
}

/** A TCP port, 0 (any free one) to 65535; the error names the flag. */
export function parsePort(flag: string) {
  return (text: string): number => {
    const port = Number(text);
    if (!/^\d+$/.test(text.trim()) || port > 65_535)
      throw new InputError(`${flag} must be a port from 0 (any free one) to 65535; got ${JSON.stringify(text)}`);
    return port;
  };
}

/** A whole number (the seed may be any, including 0 and negatives); the error names the flag. */
export function parseInteger(flag: string, min: number, max: number) {
  return (text: string): number => {
    const value = Number(text);
    if (!/^-?\d+$/.test(text.trim()) || value < min || value > max) {
      throw new InputError(`${flag} must be a whole number from ${min} to ${max}; got ${JSON.stringify(text)}`);
    }
    return value;
  };
}
