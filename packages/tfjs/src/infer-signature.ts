import type * as tfjs from '@tensorflow/tfjs';
import type { ModelSignature, TensorSpec } from '@runlog/models';
import { numpyDtypeOf } from './tensor-convert.js';

/**
 * The names runlog gives a LayersModel's inputs and outputs: its input and output layer names (what
 * `model.inputNames`/`outputNames` hold once the model is built), made
 * unique (a layer whose several outputs are all model outputs gets `name`, `name_1`, ...), in the
 * order `predict` takes and returns them.
 */
export function tensorNames(model: tfjs.LayersModel): { inputNames: string[]; outputNames: string[] } {
  // From the symbolic tensors, not model.inputNames/outputNames: a Sequential fills those only when
  // it is built (on compile, fit or predict), and a freshly loaded one is not.
  const layerName = (t: tfjs.SymbolicTensor) => t.sourceLayer?.name ?? t.name;
  return { inputNames: unique(model.inputs.map(layerName)), outputNames: unique(model.outputs.map(layerName)) };
}

/**
 * A tensor-based signature from the model's symbolic inputs and outputs: one named TensorSpec each,
 * dtype as numpy names it, shape with unknown dimensions (null) as -1. Undefined when a tensor has a
 * dtype MLflow cannot name (complex64).
 */
export function inferTfjsSignature(model: tfjs.LayersModel): ModelSignature | undefined {
  const { inputNames, outputNames } = tensorNames(model);
  const inputs = specs(model.inputs, inputNames);
  const outputs = specs(model.outputs, outputNames);
  if (!inputs || !outputs) return undefined;
  return { inputs: { kind: 'tensor', inputs }, outputs: { kind: 'tensor', inputs: outputs } };
}

function specs(tensors: tfjs.SymbolicTensor[], names: string[]): TensorSpec[] | undefined {
  const out: TensorSpec[] = [];
  for (const [i, t] of tensors.entries()) {
    const dtype = numpyDtypeOf(t.dtype);
    if (!dtype) return undefined;
    out.push({
      type: 'tensor',
      name: names[i] ?? t.name,
      tensorSpec: { dtype, shape: t.shape.map((d) => (d === null || d === undefined ? -1 : d)) },
    });
  }
  return out;
}

function unique(names: readonly string[]): string[] {
  const taken = new Set<string>();
  return names.map((name) => {
    let candidate = name;
    for (let n = 1; taken.has(candidate); n++) candidate = `${name}_${n}`;
    taken.add(candidate);
    return candidate;
  });
}
