import { type TensorValue } from '@runlog/models';
import { fromHalfBits, tensorToNested } from '@runlog/models/internal';
import { ScoringError } from './scoring-error.js';

/**
 * The response body `{"predictions": ...}` in the shapes MLflow's server writes for a tensor
 * model: `{output: nested lists}` (what pyfunc returns for dict and ndarray input), or, when the
 * model was handed a DataFrame (column signatures), MLflow's onnx flavor's DataFrame of flattened
 * outputs as a list of records, `[{output: value}, ...]`. Non-finite numbers become null (JSON has
 * no NaN; Python's json writes a bare NaN).
 */
export function predictionsJson(outputs: Record<string, TensorValue>, records: boolean): string {
  if (!records) {
    let s = '{"predictions":{';
    let first = true;
    for (const name in outputs) {
      s += `${first ? '' : ','}${JSON.stringify(name)}:${JSON.stringify(tensorToNested(outputs[name]!))}`;
      first = false;
    }
    return s + '}}';
  }
  const names = Object.keys(outputs);
  const columns = names.map((n) => flat(outputs[n]!));
  const length = columns[0]?.length ?? 0;
  if (columns.some((c) => c.length !== length)) {
    throw new ScoringError(
      400,
      'BAD_REQUEST',
      'Encountered an unexpected error while evaluating the model. Verify that the serialized input Dataframe is compatible with the model for inference.',
      `The model's outputs (${names.join(', ')}) have different numbers of values (${columns.map((c) => c.length).join(', ')}), so they do not form a DataFrame.`,
    );
  }
  const rows = new Array<Record<string, unknown>>(length);
  for (let i = 0; i < length; i++) {
    const row: Record<string, unknown> = {};
    names.forEach((n, j) => (row[n] = columns[j]![i]));
    rows[i] = row;
  }
  return JSON.stringify({ predictions: rows });
}

function flat(t: TensorValue): unknown[] {
  if (t.dtype === 'float16') return Array.from(t.data as Uint16Array, fromHalfBits);
  return Array.from(t.data as ArrayLike<unknown>, (v) => (typeof v === 'bigint' ? Number(v) : v));
}
