import type { NumericDtype } from '@runlog/models';
import { numberHash, uint64Bytes, type FlatArray } from '@runlog/models/internal';

/**
 * The dtype numpy gives `np.concatenate` of arrays of these dtypes (TF.js has float32, int32 and
 * bool): one dtype stays; bool joins either; float32 with int32 widens to float64.
 */
export function joinedDtype(dtypes: readonly NumericDtype[]): NumericDtype {
  const set = new Set(dtypes);
  if (set.size === 1) return dtypes[0]!;
  set.delete('bool');
  if (set.size === 0) return 'bool';
  if (set.size === 1) return [...set][0]!;
  return 'float64';
}

/** The hash bytes of one tf.data element: its arrays joined into one, the first `max` values hashed. */
export function numberHashBytes(arrays: readonly FlatArray[], max: number): Buffer {
  const dtype = joinedDtype(arrays.map((a) => a.dtype));
  const hashes: bigint[] = [];
  for (const a of arrays) {
    for (let i = 0; i < a.values.length && hashes.length < max; i++) {
      const v = a.values[i]!;
      hashes.push(numberHash(dtype === 'bool' ? v : Number(v), dtype));
    }
    if (hashes.length >= max) break;
  }
  return uint64Bytes(hashes);
}
