/**
 * A small seeded pseudo-random generator (mulberry32), so a demo run is reproducible from its
 * `--seed`: the same seed and the same clock readings plan the same events. Not for secrets.
 */
export interface Random {
  /** A number in [0, 1). */
  next(): number;
  /** A whole number in [min, max], both included. */
  int(min: number, max: number): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** One of the entries, each as likely as its weight. */
  weighted<T>(entries: readonly (readonly [T, number])[]): T;
  /** `length` characters drawn from `alphabet`. */
  chars(length: number, alphabet: string): string;
  /** A new generator whose sequence depends on this one's seed and `label` only. */
  fork(label: string): Random;
}

export function createRandom(seed: number): Random {
  const base = seed >>> 0;
  let state = hash32(base, 'root');
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => {
    if (items.length === 0) throw new RangeError('pick() needs at least one item');
    return items[Math.floor(next() * items.length)] as T;
  };
  return {
    next,
    int,
    chance: (p) => next() < p,
    pick,
    weighted<T>(entries: readonly (readonly [T, number])[]): T {
      const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
      let roll = next() * total;
      for (const [value, weight] of entries) {
        roll -= weight;
        if (roll < 0) return value;
      }
      return (entries.at(-1) as readonly [T, number])[0];
    },
    chars(length, alphabet) {
      let text = '';
      for (let i = 0; i < length; i++) text += alphabet[Math.floor(next() * alphabet.length)] as string;
      return text;
    },
    fork: (label) => createRandom(hash32(base, label)),
  };
}

/** FNV-1a over the seed's bytes and a label: independent streams from one seed. */
export function hash32(seed: number, label: string): number {
  let hash = 0x811c9dc5;
  const mix = (byte: number) => {
    hash ^= byte & 0xff;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  };
  for (let shift = 0; shift < 32; shift += 8) mix(seed >>> shift);
  for (let i = 0; i < label.length; i++) mix(label.charCodeAt(i));
  return hash >>> 0;
}
