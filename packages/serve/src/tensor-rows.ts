import type { TensorValue } from '@runlog/models';

/** Row (dimension 0) operations on TensorValues, for merging requests and splitting outputs. */

type TypedData = Exclude<TensorValue['data'], boolean[] | string[]>;
type TypedCtor = new (length: number) => TypedData;

/** The shared first dimension of every input, or undefined when they differ or one is a scalar. */
export function commonRows(inputs: Record<string, TensorValue>): number | undefined {
  let rows: number | undefined;
  for (const k in inputs) {
    const d = inputs[k]!.dims;
    if (d.length === 0) return undefined;
    if (rows === undefined) rows = d[0];
    else if (d[0] !== rows) return undefined;
  }
  return rows;
}

/** A key equal for inputs whose dimensions after the first (and dtypes) match, so they concatenate. */
export function rowShapeKey(inputs: Record<string, TensorValue>): string {
  let key = '';
  for (const k in inputs) {
    const t = inputs[k]!;
    key += `${k}:${t.dtype}:${t.dims.slice(1).join('x')};`;
  }
  return key;
}

/** Concatenates tensors of one dtype and row shape along dimension 0. */
export function concatRows(parts: readonly TensorValue[]): TensorValue {
  const first = parts[0]!;
  if (parts.length === 1) return first;
  let rows = 0;
  let length = 0;
  for (const p of parts) {
    rows += p.dims[0]!;
    length += p.data.length;
  }
  const dims = [rows, ...first.dims.slice(1)];
  if (Array.isArray(first.data)) {
    const out: unknown[] = [];
    for (const p of parts) for (const v of p.data as unknown[]) out.push(v);
    return { dtype: first.dtype, dims, data: out as boolean[] | string[] };
  }
  const out = new (first.data.constructor as TypedCtor)(length);
  let offset = 0;
  for (const p of parts) {
    (out as { set(a: ArrayLike<unknown>, o: number): void }).set(p.data as ArrayLike<unknown>, offset);
    offset += p.data.length;
  }
  return { dtype: first.dtype, dims, data: out };
}

/** Rows [start, end) of a tensor; typed data is a view, not a copy. */
export function sliceRows(t: TensorValue, start: number, end: number): TensorValue {
  const rowSize = t.dims.length <= 1 ? 1 : t.data.length / t.dims[0]!;
  const dims = [end - start, ...t.dims.slice(1)];
  const data = Array.isArray(t.data)
    ? t.data.slice(start * rowSize, end * rowSize)
    : (t.data as TypedData).subarray(start * rowSize, end * rowSize);
  return { dtype: t.dtype, dims, data: data as TensorValue['data'] };
}
