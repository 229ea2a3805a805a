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
  /** Wants the destination at `when` (ms since the epoch); an earlier time already set stays. */
  at(destinationId: string, when: number): void;
  /** A scan at `when`; an earlier one already set stays. */
  scanAt(when: number): void;
  take(): { readonly destinationIds: string[]; readonly scan: boolean };
  close(): void;
}

export function createWakeBook(onWake: () => void): WakeBook {
  let wanted = new Set<string>();
  let scan = true;
  const later = new Map<string, { when: number; timer: NodeJS.Timeout }>();
  let scanLater: { when: number; timer: NodeJS.Timeout } | undefined;
  let closed = false;

  const want = (ids: Iterable<string>): void => {
    if (closed) return;
    for (const id of ids) wanted.add(id);
    onWake();
  };

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
      if (set !== undefined && set.when <= when) return;
      if (set !== undefined) clearTimeout(set.timer);
      const timer = setTimeout(
        () => {
          later.delete(destinationId);
          want([destinationId]);
        },
        Math.max(0, when - Date.now()),
      );
      later.set(destinationId, { when, timer });
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
