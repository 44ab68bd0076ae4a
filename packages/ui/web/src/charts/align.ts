// uPlot draws series that share one x array. Runs log at different steps and times, so their
// series are aligned on the sorted union of their x values, with null where a run has no point
// (the chart spans those gaps).

/** One run's curve: x values sorted ascending, with one y array (or more: raw, smoothed, band) beside it. */
export interface XYTable {
  xs: readonly number[];
  ys: readonly (readonly (number | null)[])[];
}

/** `[union of xs, ...every table's ys aligned on it]`; duplicate x within a table keeps the last y. */
export function alignTables(tables: readonly XYTable[]): [number[], ...(number | null)[][]] {
  const all: number[] = [];
  for (const t of tables) for (const x of t.xs) if (Number.isFinite(x)) all.push(x);
  all.sort((a, b) => a - b);
  const xs: number[] = [];
  for (const x of all) if (xs.length === 0 || xs[xs.length - 1] !== x) xs.push(x);
  const index = new Map<number, number>();
  xs.forEach((x, i) => index.set(x, i));
  const out: (number | null)[][] = [];
  for (const t of tables) {
    for (const ys of t.ys) {
      const col: (number | null)[] = new Array(xs.length).fill(null);
      t.xs.forEach((x, i) => {
        const at = index.get(x);
        if (at !== undefined) col[at] = ys[i] ?? null;
      });
      out.push(col);
    }
  }
  return [xs, ...out];
}

/** For a logarithmic axis: values that are not positive and finite become gaps. */
export function forLogScale(ys: readonly (number | null)[]): (number | null)[] {
  return ys.map((y) => (y !== null && Number.isFinite(y) && y > 0 ? y : null));
}

/** For a linear axis: NaN and ±Infinity become gaps (uPlot cannot place them). */
export function finiteOrGap(ys: readonly (number | null)[]): (number | null)[] {
  return ys.map((y) => (y !== null && Number.isFinite(y) ? y : null));
}
