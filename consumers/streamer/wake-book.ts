/**
 * What the delivery workers should look at next, and when. Work announces itself: a fan-out or a
 * notice names destinations (`want`), a finished attempt names its own, a scheduled retry or an
 * empty rate-limit bucket names one for later (`at`), and a safety poll or a lost notice asks for
 * a scan of every destination with due work (`wantAll`, also at a time: `scanAt`). `take` hands
 * over what is wanted now and clears it. `onWake` runs whenever something becomes wanted.
 */
export interface WakeBook {
  want(destinationIds: Iterable<string>): void;
  wantAll(): void;
  /** Wants the destination at `when` (ms since the epoch), besides any other time it is wanted at. */
  at(destinationId: string, when: number): void;
  /** A scan at `when`; an earlier one already set stays. */
  scanAt(when: number): void;
  take(): { readonly destinationIds: string[]; readonly scan: boolean };
  close(): void;
}

export function createWakeBook(onWake: () => void): WakeBook {
  let wanted = new Set<string>();
  let scan = true;
  // Per destination, the times it is wanted at (ascending) and the timer of the first.
  const later = new Map<string, { times: number[]; timer: NodeJS.Timeout }>();
  let scanLater: { when: number; timer: NodeJS.Timeout } | undefined;
  let closed = false;

  const want = (ids: Iterable<string>): void => {
    if (closed) return;
    for (const id of ids) wanted.add(id);
    onWake();
  };

  // Fires at the destination's first time: wants it, drops the times passed, and waits for the next.
  const timerFor = (destinationId: string, when: number): NodeJS.Timeout =>
    setTimeout(
      () => {
        const set = later.get(destinationId);
        if (set === undefined) return;
        const now = Date.now();
        set.times = set.times.filter((time) => time > now);
        const next = set.times[0];
        if (next === undefined) later.delete(destinationId);
        else set.timer = timerFor(destinationId, next);
        want([destinationId]);
      },
      Math.max(0, when - Date.now()),
    );

  const wantAll = (): void => {
    if (closed) return;
    scan = true;
    onWake();
  };

  return {
    want,
    wantAll,
    at(destinationId, when) {
      if (closed) return;
      const set = later.get(destinationId);
      if (set === undefined) {
        later.set(destinationId, { times: [when], timer: timerFor(destinationId, when) });
        return;
      }
      if (set.times.includes(when)) return;
      const index = set.times.findIndex((time) => time > when);
      if (index === -1) set.times.push(when);
      else set.times.splice(index, 0, when);
      if (index !== 0) return;
      clearTimeout(set.timer);
      set.timer = timerFor(destinationId, when);
    },
    scanAt(when) {
      if (closed || (scanLater !== undefined && scanLater.when <= when)) return;
      if (scanLater !== undefined) clearTimeout(scanLater.timer);
      const timer = setTimeout(
        () => {
          scanLater = undefined;
          wantAll();
        },
        Math.max(0, when - Date.now()),
      );
      scanLater = { when, timer };
    },
    take() {
      const taken = { destinationIds: [...wanted], scan };
      wanted = new Set();
      scan = false;
      return taken;
    },
    close() {
      closed = true;
      for (const { timer } of later.values()) clearTimeout(timer);
      later.clear();
      if (scanLater !== undefined) clearTimeout(scanLater.timer);
      scanLater = undefined;
    },
  };
}
