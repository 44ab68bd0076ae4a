// From the runs' downsampled series to what uPlot draws: one shared x array and, per run, a min/max
// band (where the series is downsampled), the raw curve (faint when smoothed) and the EMA-smoothed
// curve. DOM-free; the chart component turns the specs into uPlot options.

import { alignTables, finiteOrGap, forLogScale, type XYTable } from './align.js';
import { isDownsampled } from './bucket-merge.js';
import type { ChartSettings } from './chart-settings.js';
import { emaSmooth } from './ema.js';
import type { SeriesPoint } from './series-types.js';
import { chartX } from './x-axis.js';

export interface RunCurve {
  runId: string;
  name: string;
  color: string;
  /** the run's start, epoch ms (origin of the relative-time axis) */
  originMs: number;
  points: readonly SeriesPoint[];
}

export type SeriesRole = 'max' | 'min' | 'raw' | 'smooth';

/** One drawn series, in uPlot's order (its data column is its index + 1). */
export interface SeriesSpec {
  runId: string;
  role: SeriesRole;
  color: string;
}

/** A run's own curve in chart coordinates, for the hover lookup. */
export interface RunLookup {
  runId: string;
  name: string;
  color: string;
  xs: number[];
  raw: number[];
  smooth: (number | null)[];
  steps: number[];
}

export interface PlotData {
  data: [number[], ...(number | null)[][]];
  specs: SeriesSpec[];
  /** uPlot band pairs as series indices (1-based, as uPlot counts them): [max, min] */
  bands: [number, number][];
  runs: RunLookup[];
  /** a string that changes when the series' layout changes (then the chart is rebuilt, not just refilled) */
  layoutKey: string;
}

/** Builds what the chart draws from every run's points and the shared settings. */
export function buildPlotData(curves: readonly RunCurve[], settings: ChartSettings): PlotData {
  const clean = settings.logY ? forLogScale : finiteOrGap;
  const tables: XYTable[] = [];
  const specs: SeriesSpec[] = [];
  const bands: [number, number][] = [];
  const runs: RunLookup[] = [];
  const smoothed = settings.smoothing > 0;
  for (const c of curves) {
    const xs = c.points.map((p) => chartX(p, settings.xAxis, c.originMs));
    const raw = c.points.map((p) => p.value);
    const smooth = smoothed ? emaSmooth(raw, settings.smoothing) : raw;
    const ys: (number | null)[][] = [];
    if (isDownsampled(c.points)) {
      bands.push([specs.length + 1, specs.length + 2]);
      specs.push({ runId: c.runId, role: 'max', color: c.color }, { runId: c.runId, role: 'min', color: c.color });
      ys.push(clean(c.points.map((p) => p.max)), clean(c.points.map((p) => p.min)));
    }
    specs.push({ runId: c.runId, role: 'raw', color: c.color });
    ys.push(clean(raw));
    if (smoothed) {
      specs.push({ runId: c.runId, role: 'smooth', color: c.color });
      ys.push(clean(smooth));
    }
    tables.push({ xs, ys });
    runs.push({ runId: c.runId, name: c.name, color: c.color, xs, raw, smooth, steps: c.points.map((p) => p.step) });
  }
  const layoutKey = [settings.xAxis, settings.logY, ...specs.map((s) => `${s.runId}:${s.role}:${s.color}`)].join('|');
  return { data: alignTables(tables), specs, bands, runs, layoutKey };
}
