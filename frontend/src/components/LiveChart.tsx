// A uPlot line chart (canvas: thousands of points redrawn without stalling the page).
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Series } from '../lib/series';

export function LiveChart({ series, label, height = 260 }: { series: Series; label: string; height?: number }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);

  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const chart = new uPlot(
      {
        width: element.clientWidth || 600,
        height,
        series: [{}, { label, stroke: '#1864ab', width: 1.5 }],
        axes: [{}, { size: 56 }],
        legend: { show: false },
      },
      [[], []],
      element,
    );
    plot.current = chart;
    const resize = new ResizeObserver(() => chart.setSize({ width: element.clientWidth, height }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      chart.destroy();
      plot.current = null;
    };
  }, [label, height]);

  useEffect(() => {
    plot.current?.setData([series.xs, series.ys]);
  }, [series]);

  return <div ref={box} role="img" aria-label={`${label}: ${series.xs.length} points`} data-testid="chart" data-points={series.xs.length} />;
}
