import net from 'node:net';

/** True when something accepts TCP connections on host:port. */
export function isPortOpen(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Checked between attempts: a reason to stop waiting early (e.g. the process died). */
  abortReason?: () => string | undefined;
}

export type WaitResult = { ok: true } | { ok: false; reason: string; lastError: unknown };

/** Polls `probe` until it resolves true, the time is up or `abortReason` gives a reason. */
export async function waitUntil(probe: () => Promise<boolean>, options: WaitOptions): Promise<WaitResult> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      if (await probe()) return { ok: true };
    } catch (error) {
      lastError = error;
    }
    const aborted = options.abortReason?.();
    if (aborted !== undefined) return { ok: false, reason: aborted, lastError };
    if (Date.now() >= deadline) return { ok: false, reason: `no answer within ${options.timeoutMs} ms`, lastError };
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 250));
  }
}
