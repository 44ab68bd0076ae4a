// TensorBoard-style exponential moving average, debiased.
//
// A plain EMA started at 0 drags the first points towards 0. TensorBoard divides by the weight the
// average has accumulated so far, 1 - w^n after n finite points, so the first smoothed point equals
// the first value and the curve is not biased low at the start. Non-finite values (NaN, ±Infinity,
// null for a gap) pass through unsmoothed and do not poison the average.

/**
 * Smooths `values` with weight `weight` in [0, 1): 0 returns the values unchanged, 0.99 is very smooth.
 * A constant series comes back exactly constant (no floating-point wobble from the division).
 */
export function emaSmooth(values: ArrayLike<number | null>, weight: number): (number | null)[] {
  const w = Math.min(Math.max(Number.isFinite(weight) ? weight : 0, 0), 0.999);
  const out: (number | null)[] = new Array(values.length);
  if (w === 0 || isConstant(values)) {
    for (let i = 0; i < values.length; i++) out[i] = values[i] ?? null;
    return out;
  }
  let last = 0;
  let finiteSeen = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined || !Number.isFinite(v)) {
      out[i] = v ?? null;
      continue;
    }
    last = last * w + (1 - w) * v;
    finiteSeen++;
    out[i] = last / (1 - Math.pow(w, finiteSeen));
  }
  return out;
}

function isConstant(values: ArrayLike<number | null>): boolean {
  let first: number | null | undefined;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined || !Number.isFinite(v)) continue;
    if (first === undefined) first = v;
    else if (v !== first) return false;
  }
  return true;
}
