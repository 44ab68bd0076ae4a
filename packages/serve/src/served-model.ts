import { type LoadedModel } from '@runlog/models';
import { compileEnforcer, type SchemaEnforcer } from '@runlog/models/internal';
import type { ColSpec } from '@runlog/models';

/**
 * What the server needs to know about a loaded model, worked out once at start: how request
 * bodies map onto its inputs, how its predictions are shaped, and whether concurrent requests can
 * be merged into one call.
 */
export interface ServedModel {
  readonly model: LoadedModel;
  /**
   * 'tensor' and 'column' follow the signature's inputs; 'none' is a model without a signature
   * (its inputs are checked by the flavor's own input specs inside predict()).
   */
  readonly kind: 'tensor' | 'column' | 'none';
  /** The input names a request may use; undefined when the model takes one unnamed input. */
  readonly names: readonly string[] | undefined;
  /** Column specs by name (column signatures), for reading CSV cells. */
  readonly columns: ReadonlyMap<string, ColSpec>;
  /** Signature checks compiled once; undefined without a signature. */
  readonly enforcer: SchemaEnforcer | undefined;
  /**
   * Whether requests can be concatenated along dimension 0 and the outputs split back: every
   * input and every declared output has a variable first dimension (column inputs are rows).
   */
  readonly batchable: boolean;
}

export function describeServedModel(model: LoadedModel): ServedModel {
  const sig = model.signature;
  if (sig?.inputs.kind === 'tensor') {
    const specs = sig.inputs.inputs;
    const named = specs.every((s) => s.name !== undefined);
    const outputsRowWise =
      sig.outputs === undefined ||
      (sig.outputs.kind === 'tensor' && sig.outputs.inputs.every((s) => s.tensorSpec.shape.length > 0 && s.tensorSpec.shape[0] === -1));
    return {
      model,
      kind: 'tensor',
      names: named ? specs.map((s) => s.name!) : undefined,
      columns: new Map(),
      enforcer: compileEnforcer(sig),
      batchable: outputsRowWise && specs.every((s) => s.tensorSpec.shape.length > 0 && s.tensorSpec.shape[0] === -1),
    };
  }
  if (sig?.inputs.kind === 'column') {
    const specs = sig.inputs.inputs.map((s, i) => (s.name === undefined ? { ...s, name: String(i) } : s));
    const scalar = new Set(['boolean', 'integer', 'long', 'float', 'double', 'string', 'binary', 'datetime']);
    return {
      model,
      kind: 'column',
      names: specs.map((s) => s.name!),
      columns: new Map(specs.map((s) => [s.name!, s])),
      enforcer: compileEnforcer(sig),
      batchable: specs.every((s) => scalar.has(s.type)),
    };
  }
  return {
    model,
    kind: 'none',
    names: model.inputNames.length === 1 ? undefined : model.inputNames,
    columns: new Map(),
    enforcer: undefined,
    batchable: false,
  };
}
