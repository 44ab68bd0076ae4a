// Chart settings shared by every chart of a page, kept in the URL hash's query so a link reproduces
// the charts: `#/compare?runs=a,b&x=relative&smooth=0.6&log=1`. Defaults are left out of the URL.

import { X_AXIS_MODES, type XAxisMode } from './x-axis.js';

export interface ChartSettings {
  /** what the x axis counts */
  xAxis: XAxisMode;
  /** EMA weight in [0, 0.99]; 0 draws the raw curve alone */
  smoothing: number;
  /** logarithmic y axis */
  logY: boolean;
}

export const DEFAULT_CHART_SETTINGS: Readonly<ChartSettings> = Object.freeze({ xAxis: 'step', smoothing: 0, logY: false });

export const MAX_SMOOTHING = 0.99;

/** Reads the settings from a query; anything missing or malformed falls back to its default. */
export function parseChartSettings(query: URLSearchParams): ChartSettings {
  const x = query.get('x');
  const smooth = Number(query.get('smooth'));
  const log = query.get('log');
  return {
    xAxis: (X_AXIS_MODES as readonly string[]).includes(x ?? '') ? (x as XAxisMode) : DEFAULT_CHART_SETTINGS.xAxis,
    smoothing: Number.isFinite(smooth) ? Math.min(Math.max(smooth, 0), MAX_SMOOTHING) : 0,
    logY: log === '1' || log === 'true',
  };
}

/** Writes the settings into a copy of `query` (other keys kept), leaving defaults out. */
export function writeChartSettings(settings: ChartSettings, query: URLSearchParams): URLSearchParams {
  const out = new URLSearchParams(query);
  if (settings.xAxis === DEFAULT_CHART_SETTINGS.xAxis) out.delete('x');
  else out.set('x', settings.xAxis);
  if (settings.smoothing > 0) out.set('smooth', String(Math.round(settings.smoothing * 100) / 100));
  else out.delete('smooth');
  if (settings.logY) out.set('log', '1');
  else out.delete('log');
  return out;
}

/** Splits a location hash (`#/compare?runs=a`) into its path and its query. */
export function splitHash(hash: string): { path: string; query: URLSearchParams } {
  const h = hash.startsWith('#') ? hash.slice(1) : hash;
  const q = h.indexOf('?');
  return q < 0 ? { path: h, query: new URLSearchParams() } : { path: h.slice(0, q), query: new URLSearchParams(h.slice(q + 1)) };
}

/** A hash with the path of `hash` and the given query (no `?` when it is empty). */
export function joinHash(path: string, query: URLSearchParams): string {
  const q = query.toString().replace(/%2C/gi, ',');
  return `#${path}${q ? `?${q}` : ''}`;
}
