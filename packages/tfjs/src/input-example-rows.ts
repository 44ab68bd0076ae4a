import type * as tfjs from '@tensorflow/tfjs';
import { isTfTensor } from './tensor-convert.js';

/** How many rows of the training input autologging keeps as the model's input example (MLflow's 5). */
export const INPUT_EXAMPLE_ROWS = 5;

/**
 * The first rows of a fit's `x` as an input example: a tensor gives nested arrays; several inputs
 * (an array of tensors, or an object by input name) give `{ inputName: rows }`. Undefined when `x`
 * is none of these.
 */
export function firstRows(x: unknown, inputNames: readonly string[], rows = INPUT_EXAMPLE_ROWS): unknown {
  if (isTfTensor(x)) return head(x, rows);
  if (Array.isArray(x) && x.length > 0 && x.every(isTfTensor)) {
    if (x.length === 1) return head(x[0]!, rows);
    return Object.fromEntries(x.map((t, i) => [inputNames[i] ?? `input_${i}`, head(t, rows)]));
  }
  if (x !== null && typeof x === 'object') {
    const entries = Object.entries(x as Record<string, unknown>);
    if (entries.length > 0 && entries.every(([, t]) => isTfTensor(t))) {
      return Object.fromEntries(entries.map(([name, t]) => [name, head(t as tfjs.Tensor, rows)]));
    }
  }
  return undefined;
}

/**
 * The first rows of a dataset's first element (`{ xs, ys }` or `[xs, ys]`), read from a fresh
 * iterator, as TF.js datasets can be iterated again. The element's tensors are disposed.
 */
export async function firstDatasetRows(dataset: unknown, inputNames: readonly string[], rows = INPUT_EXAMPLE_ROWS): Promise<unknown> {
  const ds = dataset as { take?: (n: number) => { toArray(): Promise<unknown[]> } };
  if (typeof ds?.take !== 'function') return undefined;
  const [first] = await ds.take(1).toArray();
  try {
    const xs = Array.isArray(first) ? first[0] : (first as { xs?: unknown } | undefined)?.xs;
    return firstRows(xs, inputNames, rows);
  } finally {
    disposeAll(first);
  }
}

function head(t: tfjs.Tensor, rows: number): unknown {
  if (t.rank === 0) return t.arraySync();
  const n = Math.min(rows, t.shape[0] ?? 0);
  const part = t.slice(0, n);
  try {
    return part.arraySync();
  } finally {
    if (part !== t) part.dispose();
  }
}

function disposeAll(value: unknown): void {
  if (isTfTensor(value)) value.dispose();
  else if (Array.isArray(value)) value.forEach(disposeAll);
  else if (value !== null && typeof value === 'object') Object.values(value).forEach(disposeAll);
}
