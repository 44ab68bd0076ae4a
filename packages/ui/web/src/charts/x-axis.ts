// The three x axes a training curve is read against, and the conversions between what the chart
// shows and what the server buckets by. uPlot's time scale counts seconds, so wall time is shown in
// epoch seconds; relative time is seconds since the run started (each run from its own start).

import type { SeriesPoint } from './series-types.js';

export type XAxisMode = 'step' | 'wall' | 'relative';
export const X_AXIS_MODES: readonly XAxisMode[] = ['step', 'wall', 'relative'];

/** What the server's metric-series buckets along (`x=` parameter): steps, or timestamps in ms. */
export function serverAxis(mode: XAxisMode): 'step' | 'time' {
  return mode === 'step' ? 'step' : 'time';
}

/** The chart x of a point. `originMs` is the run's start (for relative time). */
export function chartX(point: Pick<SeriesPoint, 'step' | 'timestamp'>, mode: XAxisMode, originMs: number): number {
  if (mode === 'step') return point.step;
  if (mode === 'wall') return point.timestamp / 1000;
  return (point.timestamp - originMs) / 1000;
}

/** The server x (`min_x`/`max_x`) of a chart x: a step, or epoch milliseconds. */
export function serverX(x: number, mode: XAxisMode, originMs: number): number {
  if (mode === 'step') return x;
  if (mode === 'wall') return x * 1000;
  return originMs + x * 1000;
}

/** The server x of a point (the axis its buckets are sorted by). */
export function pointServerX(point: Pick<SeriesPoint, 'step' | 'timestamp'>, mode: XAxisMode): number {
  return mode === 'step' ? point.step : point.timestamp;
}

/** A zoomed chart range as the server's `[min_x, max_x]`, widened to whole steps or milliseconds. */
export function serverRange(range: readonly [number, number], mode: XAxisMode, originMs: number): [number, number] {
  const lo = serverX(Math.min(range[0], range[1]), mode, originMs);
  const hi = serverX(Math.max(range[0], range[1]), mode, originMs);
  return [Math.floor(lo), Math.ceil(hi)];
}

/** A duration in seconds as a short label: `45s`, `12m05s`, `3h07m`, `2d04h` (negative keeps its sign). */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '';
  const sign = seconds < 0 ? '-' : '';
  let s = Math.abs(seconds);
  if (s < 60) return `${sign}${Number.isInteger(s) ? s : Number(s.toFixed(s < 10 ? 2 : 1))}s`;
  s = Math.round(s);
  const pad = (n: number) => String(n).padStart(2, '0');
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${sign}${d}d${pad(h)}h`;
  if (h > 0) return `${sign}${h}h${pad(m)}m`;
  return `${sign}${m}m${pad(s % 60)}s`;
}

/** The label of an x value in the hover legend. */
export function formatX(x: number, mode: XAxisMode): string {
  if (mode === 'step') return `step ${x}`;
  if (mode === 'relative') return formatDuration(x);
  const d = new Date(x * 1000);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}
