// Growing a downsampled series while a run is live, without re-reading its whole history.
//
// The chart polls the server for buckets from its last x onwards and appends them: the last bucket
// it holds may have been partial (more points landed in it since), so it is replaced by the fresh
// answer. When the series outgrows the chart's width, neighbouring buckets are merged pairwise,
// keeping each pair's last value and the min and max of both, so a spike survives every merge.

import type { SeriesPoint } from './series-types.js';

/**
 * `existing` followed by `incoming`, both sorted by x: existing buckets at or after the first incoming
 * x are dropped (the server's fresh answer covers them).
 */
export function appendBuckets(existing: readonly SeriesPoint[], incoming: readonly SeriesPoint[], x: (p: SeriesPoint) => number): SeriesPoint[] {
  if (incoming.length === 0) return existing.slice();
  const from = x(incoming[0]!);
  let keep = existing.length;
  while (keep > 0 && x(existing[keep - 1]!) >= from) keep--;
  return existing.slice(0, keep).concat(incoming);
}

/** Two neighbouring buckets as one: the later one's last point, the min and max of both, the counts summed. */
export function mergeBuckets(a: SeriesPoint, b: SeriesPoint): SeriesPoint {
  return {
    step: b.step,
    timestamp: b.timestamp,
    value: b.value,
    min: minIgnoringNaN(a.min, b.min),
    max: maxIgnoringNaN(a.max, b.max),
    count: a.count + b.count,
  };
}

/**
 * At most `maxBuckets` buckets: merges neighbours pairwise (oldest first) until it fits. The newest
 * bucket is kept whole while it can be, since a live run keeps landing points in it.
 */
export function coarsen(points: readonly SeriesPoint[], maxBuckets: number): SeriesPoint[] {
  let out = points.slice();
  const limit = Math.max(1, Math.floor(maxBuckets));
  while (out.length > limit) {
    const merged: SeriesPoint[] = [];
    let i = 0;
    // merge pairs; an odd one out at the end stays as is
    for (; i + 1 < out.length; i += 2) merged.push(mergeBuckets(out[i]!, out[i + 1]!));
    if (i < out.length) merged.push(out[i]!);
    out = merged;
  }
  return out;
}

/** Whether any bucket holds more than one logged point (then the chart draws the min/max band). */
export function isDownsampled(points: readonly SeriesPoint[]): boolean {
  return points.some((p) => p.count > 1);
}

function minIgnoringNaN(a: number, b: number): number {
  if (Number.isNaN(a)) return b;
  if (Number.isNaN(b)) return a;
  return Math.min(a, b);
}

function maxIgnoringNaN(a: number, b: number): number {
  if (Number.isNaN(a)) return b;
  if (Number.isNaN(b)) return a;
  return Math.max(a, b);
}
