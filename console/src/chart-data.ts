import type { Series } from './components/chart';
import type { EventStats } from './types';

const severityColors: Record<string, string> = { info: '#2563eb', warn: '#b45309', critical: '#b91c1c' };
const typeColors = ['#2563eb', '#059669', '#b45309', '#7c3aed', '#db2777', '#0891b2', '#6b7280'];
/** Minute buckets from `from` to `to`, and per series the count in each. */
export function seriesOf(stats: Omit<EventStats, 'object'>, by: 'severity' | 'type'): { buckets: string[]; series: Series[] } {
  const start = Math.floor(new Date(stats.from).getTime() / 60_000) * 60_000;
  const end = new Date(stats.to).getTime();
  const buckets: string[] = [];
  for (let t = start; t <= end; t += stats.bucket_seconds * 1000) buckets.push(new Date(t).toISOString());
  const index = (minute: string) => Math.round((new Date(minute).getTime() - start) / (stats.bucket_seconds * 1000));
  const totals = new Map<string, number>();
  for (const row of stats.data) {
    const name = by === 'severity' ? row.severity : row.type;
    totals.set(name, (totals.get(name) ?? 0) + row.count);
  }
  let names: string[];
  if (by === 'severity') names = ['info', 'warn', 'critical'];
  else {
    // The six busiest types, the rest as "other".
    names = [...totals].sort((a, b) => b[1] - a[1]).map(([name]) => name);
    if (names.length > 7) names = [...names.slice(0, 6), 'other'];
  }
  const counts = new Map(names.map((name) => [name, buckets.map(() => 0)]));
  for (const row of stats.data) {
    let name = by === 'severity' ? row.severity : row.type;
    if (!counts.has(name)) name = 'other';
    const slot = counts.get(name);
    const at = index(row.minute);
    if (slot && at >= 0 && at < slot.length) slot[at] = (slot[at] ?? 0) + row.count;
  }
  const series = names.map((name, i) => ({
    name,
    color: by === 'severity' ? (severityColors[name] ?? '#6b7280') : (typeColors[i] ?? '#6b7280'),
    counts: counts.get(name) ?? [],
  }));
  return { buckets, series };
}
