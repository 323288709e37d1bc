import { describe, expect, it } from 'vitest';
import { appendPoints, emptySeries } from './series';

const at = (second: number, value: number) => ({ ts: new Date(second * 1000).toISOString(), value });

describe('the chart buffer', () => {
  it('appends points in time order', () => {
    const series = appendPoints(emptySeries, [at(10, 1), at(11, 2)], 60);
    expect(series).toEqual({ xs: [10, 11], ys: [1, 2] });
  });

  it('drops a point that is not newer than the last one, as a replayed reading', () => {
    const series = appendPoints(appendPoints(emptySeries, [at(10, 1), at(11, 2)], 60), [at(11, 9), at(5, 9), at(12, 3)], 60);
    expect(series).toEqual({ xs: [10, 11, 12], ys: [1, 2, 3] });
  });

  it('lets go of points older than the window before the newest', () => {
    const series = appendPoints(emptySeries, [at(0, 1), at(30, 2), at(61, 3)], 60);
    expect(series).toEqual({ xs: [30, 61], ys: [2, 3] });
  });

  it('keeps 10,000 points of history and a live point after them', () => {
    const history = Array.from({ length: 10_000 }, (_, i) => at(i, i));
    const series = appendPoints(appendPoints(emptySeries, history, 86_400), [at(10_000, 1)], 86_400);
    expect(series.xs).toHaveLength(10_001);
    expect(series.ys.at(-1)).toBe(1);
  });

  it('returns the same series when nothing valid is added', () => {
    expect(appendPoints(emptySeries, [{ ts: 'not a time', value: 1 }], 60)).toBe(emptySeries);
  });
});
