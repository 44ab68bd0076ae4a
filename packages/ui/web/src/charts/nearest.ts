// Nearest-point lookup over a sorted x array, for the hover legend: each run has its own x values,
// so the value shown for a run at the hovered x is that run's point closest to it.

/**
 * Index of the element of `xs` (sorted ascending, nulls allowed and skipped) closest to `x`, or -1
 * when there is none. On a tie the earlier point wins. Runs in O(log n) plus the nulls it skips.
 */
export function nearestIndex(xs: ArrayLike<number | null>, x: number): number {
  const n = xs.length;
  if (n === 0 || !Number.isFinite(x)) return -1;
  let lo = 0;
  let hi = n - 1;
  // first index whose value is >= x, treating nulls by probing outward
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const v = valueAtOrAfter(xs, mid, hi);
    if (v === undefined || v.value >= x) hi = mid;
    else lo = v.index + 1;
  }
  const after = valueAtOrAfter(xs, lo, n - 1);
  const before = valueAtOrBefore(xs, lo - 1);
  if (!after && !before) return -1;
  if (!after) return before!.index;
  if (!before) return after.index;
  return x - before.value <= after.value - x ? before.index : after.index;
}

function valueAtOrAfter(xs: ArrayLike<number | null>, from: number, to: number): { index: number; value: number } | undefined {
  for (let i = from; i <= to; i++) {
    const v = xs[i];
    if (v !== null && v !== undefined && !Number.isNaN(v)) return { index: i, value: v };
  }
  return undefined;
}

function valueAtOrBefore(xs: ArrayLike<number | null>, from: number): { index: number; value: number } | undefined {
  for (let i = from; i >= 0; i--) {
    const v = xs[i];
    if (v !== null && v !== undefined && !Number.isNaN(v)) return { index: i, value: v };
  }
  return undefined;
}
