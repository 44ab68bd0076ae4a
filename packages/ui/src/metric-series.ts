/**
 * Downsampling a metric history for charts: the history, sorted along x (step or timestamp), is cut
 * into at most `buckets` equal-width buckets; each gives its last point (step, timestamp, value)
 * and the bucket's min and max, so spikes survive. A history that fits is returned point by point.
 */
import { encodeDouble } from '@runlog/core/internal';
import type { MetricHistory } from './local/metric-history.js';

export type SeriesX = 'step' | 'time';

export interface SeriesRequest {
  buckets: number;
  x: SeriesX;
  minX?: number | undefined;
  maxX?: number | undefined;
}

/** One bucket (or one point, when count is 1). Values may be NaN/±Infinity (encoded as strings on the wire). */
export interface SeriesPoint {
  step: number;
  timestamp: number;
  value: number;
  min: number;
  max: number;
  count: number;
}

export interface MetricSeries {
  total: number;
  downsampled: boolean;
  points: SeriesPoint[];
}

/** Indices of the history sorted by x, then by the other axis, then file order (stable). */
function sortedIndices(h: MetricHistory, x: SeriesX): Uint32Array {
  const primary = x === 'step' ? h.steps : h.timestamps;
  const secondary = x === 'step' ? h.timestamps : h.steps;
  const idx = new Uint32Array(h.length);
  let sorted = true;
  for (let i = 0; i < h.length; i++) {
    idx[i] = i;
    if (i > 0 && (primary[i]! < primary[i - 1]! || (primary[i] === primary[i - 1] && secondary[i]! < secondary[i - 1]!))) sorted = false;
  }
  if (sorted) return idx;
  const arr = Array.from(idx);
  arr.sort((a, b) => primary[a]! - primary[b]! || secondary[a]! - secondary[b]! || a - b);
  return Uint32Array.from(arr);
}

export function downsample(h: MetricHistory, req: SeriesRequest): MetricSeries {
  const xs = req.x === 'step' ? h.steps : h.timestamps;
  const all = sortedIndices(h, req.x);
  // The zoomed range, by binary search over the sorted order.
  const lowerBound = (v: number) => {
    let lo = 0;
    let hi = all.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (xs[all[mid]!]! < v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const from = req.minX === undefined ? 0 : lowerBound(req.minX);
  const to = req.maxX === undefined ? all.length : lowerBound(req.maxX === Infinity ? Infinity : nextUp(req.maxX));
  const n = Math.max(0, to - from);
  const points: SeriesPoint[] = [];
  if (n <= req.buckets) {
    for (let k = from; k < to; k++) {
      const i = all[k]!;
      const v = h.values[i]!;
      points.push({ step: h.steps[i]!, timestamp: h.timestamps[i]!, value: v, min: v, max: v, count: 1 });
    }
    return { total: h.length, downsampled: false, points };
  }
  const x0 = xs[all[from]!]!;
  const x1 = xs[all[to - 1]!]!;
  const width = (x1 - x0) / req.buckets;
  let current = -1;
  let bucket: SeriesPoint | undefined;
  for (let k = from; k < to; k++) {
    const i = all[k]!;
    const b = width > 0 ? Math.min(req.buckets - 1, Math.floor((xs[i]! - x0) / width)) : 0;
    const v = h.values[i]!;
    if (b !== current || bucket === undefined) {
      if (bucket) points.push(bucket);
      current = b;
      bucket = { step: h.steps[i]!, timestamp: h.timestamps[i]!, value: v, min: v, max: v, count: 0 };
    }
    bucket.step = h.steps[i]!;
    bucket.timestamp = h.timestamps[i]!;
    bucket.value = v;
    bucket.count++;
    // NaN never becomes a min or max (unless the whole bucket is NaN).
    if (v < bucket.min || Number.isNaN(bucket.min)) bucket.min = v;
    if (v > bucket.max || Number.isNaN(bucket.max)) bucket.max = v;
  }
  if (bucket) points.push(bucket);
  return { total: h.length, downsampled: true, points };
}

/** The smallest double above v (so max_x is inclusive). */
function nextUp(v: number): number {
  if (Number.isNaN(v) || v === Infinity) return v;
  if (v === 0) return Number.MIN_VALUE;
  const buf = new Float64Array([v]);
  const bits = new BigInt64Array(buf.buffer);
  bits[0] = bits[0]! + (v > 0 ? 1n : -1n);
  return buf[0]!;
}

/** The JSON of a series point (non-finite values as MLflow's strings). */
export function encodeSeriesPoint(p: SeriesPoint): Record<string, unknown> {
  return { step: p.step, timestamp: p.timestamp, value: encodeDouble(p.value), min: encodeDouble(p.min), max: encodeDouble(p.max), count: p.count };
}
