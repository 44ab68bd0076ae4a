// MetricChart: one metric of one or more runs, drawn with uPlot from the server's downsampled
// series. Drag across to zoom (the range is re-fetched at finer resolution), double-click to reset.
// Settings (x axis, smoothing, log scale) come from the page, so every chart of a page agrees.

import { useSignal } from '@preact/signals';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import './charts.css';
import { ChartLegend } from './chart-legend.js';
import type { ChartSettings } from './chart-settings.js';
import { withAlpha } from './colors.js';
import { formatValue } from './format.js';
import { buildPlotData, type PlotData, type SeriesSpec } from './plot-data.js';
import { LIVE_POLL_MS, useRunSeries, type ChartRun } from './use-run-series.js';
import { formatDuration } from './x-axis.js';

export interface MetricChartProps {
  runs: readonly ChartRun[];
  metricKey: string;
  settings: ChartSettings;
  /** plot height in CSS pixels (the legend is extra) */
  height?: number;
  /** charts with the same key share the hover cursor (e.g. every chart of a compare view) */
  syncKey?: string;
  /** interval between polls of a running run */
  pollMs?: number;
}

/** The chart's width in px, kept up to date by a ResizeObserver. */
function useWidth(ref: { current: HTMLElement | null }): number {
  const [width, setWidth] = useState(0);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return undefined;
    setWidth(Math.floor(el.clientWidth));
    const ro = new ResizeObserver(() => setWidth(Math.floor(el.clientWidth)));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return width;
}

/** Buckets to ask the server for: about one per pixel, in steps of 100 so a resize does not refetch. */
function bucketsFor(width: number): number {
  return Math.min(4000, Math.max(200, Math.ceil(width / 100) * 100));
}

export function MetricChart({ runs, metricKey, settings, height = 240, syncKey, pollMs = LIVE_POLL_MS }: MetricChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plotRef = useRef<uPlot | null>(null);
  const layoutRef = useRef('');
  const width = useWidth(box);
  const [zoom, setZoom] = useState<[number, number] | null>(null);
  const hoverX = useSignal<number | null>(null);
  // Nothing is fetched before the chart's width is known: a guess would fetch twice.
  const buckets = width > 0 ? bucketsFor(width) : 0;
  const { curves, phase, error, total, live } = useRunSeries(runs, metricKey, settings.xAxis, buckets, zoom, pollMs);
  const plot = buildPlotData(curves, settings);
  const drawn = plot.data[0].length;

  // A new x axis or run set starts unzoomed.
  useEffect(() => setZoom(null), [settings.xAxis, runs.map((r) => r.id).join(',')]);

  useEffect(() => {
    const el = box.current;
    if (!el || width === 0 || (phase === 'loading' && !plotRef.current)) return;
    let u = plotRef.current;
    if (u && layoutRef.current === plot.layoutKey) {
      u.setData(plot.data);
      if (u.width !== width) u.setSize({ width, height });
    } else {
      u?.destroy();
      u = new uPlot(plotOptions(plot, settings, width, height, el, { setZoom, hoverX, syncKey }), plot.data, el);
      plotRef.current = u;
      layoutRef.current = plot.layoutKey;
    }
    if (zoom) u.setScale('x', { min: Math.min(...zoom), max: Math.max(...zoom) });
  });

  useEffect(() => () => {
    plotRef.current?.destroy();
    plotRef.current = null;
  }, []);

  return (
    <figure class="runlog-chart" data-metric-key={metricKey} data-phase={phase} data-points={drawn} data-total={total} data-zoomed={zoom ? 'true' : undefined} data-live={live ? 'true' : undefined}>
      <figcaption class="runlog-chart-title">
        <span>{metricKey}</span>
        {zoom && (
          <button type="button" class="runlog-chart-reset" onClick={() => setZoom(null)} title="Reset zoom (or double-click the chart)">
            reset zoom
          </button>
        )}
      </figcaption>
      <div class="runlog-chart-plot" ref={box} style={{ minHeight: `${height}px` }} />
      {phase === 'error' && <p class="runlog-chart-error" role="alert">{error}</p>}
      {phase !== 'error' && phase !== 'loading' && drawn === 0 && <p class="runlog-chart-empty">no points</p>}
      <ChartLegend runs={plot.runs} hoverX={hoverX} xAxis={settings.xAxis} smoothed={settings.smoothing > 0} />
    </figure>
  );
}

interface PlotHooks {
  setZoom: (range: [number, number] | null) => void;
  hoverX: { value: number | null };
  syncKey: string | undefined;
}

function plotOptions(plot: PlotData, settings: ChartSettings, width: number, height: number, el: HTMLElement, hooks: PlotHooks): uPlot.Options {
  const text = getComputedStyle(el).color || '#888';
  const grid = 'rgba(128, 128, 128, 0.22)';
  const axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
  const smoothed = settings.smoothing > 0;
  return {
    width,
    height,
    legend: { show: false },
    cursor: {
      drag: { x: true, y: false, setScale: true },
      ...(hooks.syncKey ? { sync: { key: hooks.syncKey } } : {}),
    },
    scales: {
      x: { time: settings.xAxis === 'wall' },
      y: { distr: settings.logY ? 3 : 1 },
    },
    axes: [
      { ...axis, ...(settings.xAxis === 'relative' ? { values: (_u: uPlot, vals: number[]) => vals.map(formatDuration) } : {}) },
      // a log axis passes null for the ticks it leaves unlabeled
      { ...axis, size: 64, values: (_u: uPlot, vals: (number | null)[]) => vals.map((v) => (v === null ? '' : formatValue(v))) },
    ],
    series: [{}, ...plot.specs.map((s) => seriesOptions(s, smoothed))],
    bands: plot.bands.map(([hi, lo]) => ({ series: [hi, lo] as [number, number], fill: withAlpha(plot.specs[hi - 1]!.color, 0.16) })),
    hooks: {
      setSelect: [
        (u: uPlot) => {
          if (u.select.width < 3) return;
          const lo = u.posToVal(u.select.left, 'x');
          const hi = u.posToVal(u.select.left + u.select.width, 'x');
          u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
          hooks.setZoom([lo, hi]);
        },
      ],
      setCursor: [
        (u: uPlot) => {
          const idx = u.cursor.idx;
          hooks.hoverX.value = idx === null || idx === undefined ? null : (u.data[0][idx] ?? null);
        },
      ],
      ready: [
        (u: uPlot) => {
          u.over.addEventListener('dblclick', () => hooks.setZoom(null));
          u.over.addEventListener('mouseleave', () => {
            hooks.hoverX.value = null;
          });
        },
      ],
    },
  };
}

function seriesOptions(s: SeriesSpec, smoothed: boolean): uPlot.Series {
  const common = { spanGaps: true, points: { show: false }, label: s.runId };
  switch (s.role) {
    case 'max':
    case 'min':
      return { ...common, stroke: 'transparent', width: 0 };
    case 'raw':
      return { ...common, stroke: smoothed ? withAlpha(s.color, 0.3) : s.color, width: smoothed ? 1 : 1.5 };
    case 'smooth':
      return { ...common, stroke: s.color, width: 1.75 };
  }
}
