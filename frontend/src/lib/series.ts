// The points of a live chart: history from the `telemetry` query, then readings from the
// `telemetry` subscription appended as they come, kept in time order and to the chosen window.

export interface Series {
  /** Seconds since the epoch, ascending (uPlot's x values). */
  xs: number[];
  ys: number[];
}

export const emptySeries: Series = { xs: [], ys: [] };

export interface Point {
  ts: string;
  value: number;
}

/**
 * `series` with `points` added: a point older than the newest one already there or at the same
 * time (a replay, or history overlapping live readings) is dropped, and points older than
 * `windowSeconds` before the newest are let go.
 */
export function appendPoints(series: Series, points: readonly Point[], windowSeconds: number): Series {
  const xs = [...series.xs];
  const ys = [...series.ys];
  for (const point of points) {
    const x = Date.parse(point.ts) / 1000;
    if (!Number.isFinite(x)) continue;
    const last = xs.at(-1);
    if (last !== undefined && x <= last) continue;
    xs.push(x);
    ys.push(point.value);
  }
  const newest = xs.at(-1);
  if (newest === undefined) return series;
  let first = 0;
  while (first < xs.length && (xs[first] ?? newest) < newest - windowSeconds) first += 1;
  return { xs: xs.slice(first), ys: ys.slice(first) };
}

export const RANGES = [
  { value: '900', label: '15 min' },
  { value: '3600', label: '1 h' },
  { value: '86400', label: '24 h' },
] as const;
