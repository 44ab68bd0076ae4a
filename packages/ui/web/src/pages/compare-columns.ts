// The table behind the compare view: each run's params and latest metrics as columns, which params
// differ, and how a column's values map onto an axis (numbers linearly, anything else as evenly
// spaced sorted categories). DOM-free, unit-tested under node.

/** One compared run, flattened. */
export interface CompareRow {
  runId: string;
  name: string;
  color: string;
  params: Readonly<Record<string, string>>;
  /** latest value of each metric */
  metrics: Readonly<Record<string, number>>;
}

export interface ParamDiffRow {
  key: string;
  /** one per run, undefined where the run does not have the param */
  values: (string | undefined)[];
  /** true when not every run has the same value (a missing param counts as a value) */
  differs: boolean;
}

/** Every param of any run, sorted by key, differing ones flagged. */
export function paramsDiff(rows: readonly CompareRow[]): ParamDiffRow[] {
  const keys = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r.params)) keys.add(k);
  return [...keys].sort().map((key) => {
    const values = rows.map((r) => r.params[key]);
    return { key, values, differs: values.some((v) => v !== values[0]) };
  });
}

export interface Column {
  kind: 'param' | 'metric';
  key: string;
  /** `param:<key>` or `metric:<key>`, stable in URLs */
  id: string;
}

/** Params then metrics, each sorted by key. */
export function compareColumns(rows: readonly CompareRow[]): Column[] {
  const params = new Set<string>();
  const metrics = new Set<string>();
  for (const r of rows) {
    for (const k of Object.keys(r.params)) params.add(k);
    for (const k of Object.keys(r.metrics)) metrics.add(k);
  }
  return [
    ...[...params].sort().map((key) => ({ kind: 'param' as const, key, id: `param:${key}` })),
    ...[...metrics].sort().map((key) => ({ kind: 'metric' as const, key, id: `metric:${key}` })),
  ];
}

export function columnById(columns: readonly Column[], id: string | null | undefined): Column | undefined {
  return id ? columns.find((c) => c.id === id) : undefined;
}

/** A column's value for a run: a metric's number, or a param's string. */
export function cellValue(row: CompareRow, col: Column): string | number | undefined {
  return col.kind === 'param' ? row.params[col.key] : row.metrics[col.key];
}

/** How a column's values are placed on an axis running from 0 to 1. */
export interface AxisScale {
  numeric: boolean;
  /** position in [0, 1] of a run's value, undefined when the run has none (or a non-finite one) */
  positions: (number | undefined)[];
  /** tick labels at their positions: min and max for numbers, every category otherwise */
  ticks: { at: number; label: string }[];
}

/** Places every run's value of `col` on [0, 1]. A column whose present values all parse as finite numbers is numeric. */
export function axisScale(rows: readonly CompareRow[], col: Column): AxisScale {
  const raw = rows.map((r) => cellValue(r, col));
  const present = raw.filter((v): v is string | number => v !== undefined && v !== '');
  const nums = present.map((v) => Number(v));
  const numeric = present.length > 0 && nums.every((n) => Number.isFinite(n));
  if (numeric) {
    const min = Math.min(...nums);
    const max = Math.max(...nums);
    const span = max - min;
    const positions = raw.map((v) => {
      if (v === undefined || v === '') return undefined;
      const n = Number(v);
      return span === 0 ? 0.5 : (n - min) / span;
    });
    const ticks = span === 0 ? [{ at: 0.5, label: shortNumber(min) }] : [{ at: 0, label: shortNumber(min) }, { at: 1, label: shortNumber(max) }];
    return { numeric, positions, ticks };
  }
  const categories = [...new Set(present.map(String))].sort();
  const at = (i: number) => (categories.length === 1 ? 0.5 : i / (categories.length - 1));
  return {
    numeric,
    positions: raw.map((v) => (v === undefined || v === '' ? undefined : at(categories.indexOf(String(v))))),
    ticks: categories.map((label, i) => ({ at: at(i), label })),
  };
}

function shortNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e9) return String(n);
  return String(Number(n.toPrecision(4)));
}
