/**
 * Stacked bars of counts per minute, in SVG (no chart library to ship). Each series has a colour
 * and a legend with its total; the same figures (the minutes with events) are in a visually hidden
 * table for screen readers.
 */
export interface Series {
  readonly name: string;
  readonly color: string;
  /** One count per bucket. */
  readonly counts: readonly number[];
}

export function StackedBars({ buckets, series, label }: { buckets: readonly string[]; series: readonly Series[]; label: string }) {
  const width = 720;
  const height = 200;
  const top = 12;
  const left = 36;
  const bottom = 22;
  const totals = buckets.map((_, index) => series.reduce((sum, s) => sum + (s.counts[index] ?? 0), 0));
  const max = Math.max(1, ...totals);
  const step = (width - left) / Math.max(1, buckets.length);
  const barWidth = Math.max(1, step * 0.8);
  const y = (value: number) => ((height - bottom - top) * value) / max;
  const ticks = [...new Set([0, Math.round(max / 2), max])];
  const everyLabel = Math.max(1, Math.ceil(buckets.length / 6));

  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`${label}: ${totals.reduce((a, b) => a + b, 0)} events`}>
        {ticks.map((tick) => (
          <g key={tick}>
            <line x1={left} x2={width} y1={height - bottom - y(tick)} y2={height - bottom - y(tick)} class="grid" />
            <text x={left - 4} y={height - bottom - y(tick) + 4} text-anchor="end" class="axis">
              {tick}
            </text>
          </g>
        ))}
        {buckets.map((bucket, index) => {
          let base = 0;
          return (
            <g key={bucket}>
              {series.map((s) => {
                const value = s.counts[index] ?? 0;
                if (value === 0) return null;
                const top = base + value;
                const rect = (
                  <rect x={left + index * step} y={height - bottom - y(top)} width={barWidth} height={y(value)} fill={s.color}>
                    <title>{`${new Date(bucket).toLocaleTimeString()} ${s.name}: ${value}`}</title>
                  </rect>
                );
                base = top;
                return rect;
              })}
              {index % everyLabel === 0 ? (
                <text x={left + index * step} y={height - 6} class="axis">
                  {new Date(bucket).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })}
                </text>
              ) : null}
            </g>
          );
        })}
      </svg>
      <table class="sr-only">
        <caption>{label}</caption>
        <thead>
          <tr>
            <th scope="col">Minute</th>
            {series.map((s) => (
              <th key={s.name} scope="col">
                {s.name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {buckets.map((bucket, index) =>
            totals[index] === 0 ? null : (
              <tr key={bucket}>
                <th scope="row">{new Date(bucket).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })}</th>
                {series.map((s) => (
                  <td key={s.name}>{s.counts[index] ?? 0}</td>
                ))}
              </tr>
            ),
          )}
        </tbody>
      </table>
      <figcaption>
        <ul class="legend">
          {series.map((s) => (
            <li key={s.name}>
              <span class="swatch" style={{ background: s.color }} aria-hidden="true" />
              {s.name}: {s.counts.reduce((a, b) => a + b, 0)}
            </li>
          ))}
        </ul>
      </figcaption>
    </figure>
  );
}
