import type { SendingDestination } from '../../store/load-destinations.js';

/** What one worker holds of a destination: attempts in flight and its rate limit's bucket. */
export interface DestinationSlots {
  /**
   * How many attempts the destination may start now: free concurrency slots, then the rate
   * limit's tokens. `waitMs` is set when only the rate limit stands in the way: a token is back then.
   */
  room(destination: SendingDestination): { readonly slots: number; readonly waitMs?: number };
  /** An attempt starts: one slot and one token taken. Returns the attempts in flight. */
  take(destination: SendingDestination): number;
  /** Attempts in flight to the destination. */
  inFlight(destinationId: string): number;
  /** An attempt ended. Returns the attempts in flight. */
  give(destinationId: string): number;
  /** Destinations with nothing in flight that are not in `keep` are forgotten; returns their ids. */
  forget(keep: (destinationId: string) => boolean): string[];
}

interface State {
  inFlight: number;
  tokens: number;
  refilledAt: number;
}

export function createDestinationSlots(defaultConcurrency: number): DestinationSlots {
  const states = new Map<string, State>();

  const stateOf = (destination: SendingDestination): State => {
    let state = states.get(destination.id);
    if (!state) {
      state = { inFlight: 0, tokens: destination.rateLimitPerSecond ?? 0, refilledAt: Date.now() };
      states.set(destination.id, state);
    }
    return state;
  };

  return {
    room(destination) {
      const state = stateOf(destination);
      const free = (destination.maxConcurrency ?? defaultConcurrency) - state.inFlight;
      const rate = destination.rateLimitPerSecond;
      if (rate === null) return { slots: free };
      const now = Date.now();
      state.tokens = Math.min(rate, state.tokens + ((now - state.refilledAt) / 1000) * rate);
      state.refilledAt = now;
      const slots = Math.min(free, Math.floor(state.tokens));
      if (slots > 0 || free <= 0) return { slots };
      return { slots, waitMs: Math.ceil(((1 - state.tokens) / rate) * 1000) };
    },
    take(destination) {
      const state = stateOf(destination);
      state.inFlight++;
      if (destination.rateLimitPerSecond !== null) state.tokens -= 1;
      return state.inFlight;
    },
    inFlight(destinationId) {
      return states.get(destinationId)?.inFlight ?? 0;
    },
    give(destinationId) {
      const state = states.get(destinationId);
      if (state === undefined) return 0;
      state.inFlight--;
      return state.inFlight;
    },
    forget(keep) {
      const gone: string[] = [];
      for (const [id, state] of states) {
        if (keep(id) || state.inFlight !== 0) continue;
        states.delete(id);
        gone.push(id);
      }
      return gone;
    },
  };
}
