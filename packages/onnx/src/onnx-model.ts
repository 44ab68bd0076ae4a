/**
 * The loaded form of an ONNX MLflow Model: an onnxruntime-node InferenceSession behind runlog's
 * FlavorModel contract (TensorValues in and out, by name).
 */
import { SchemaMismatchError } from '@runlog/core';
import type { FlavorModel, TensorSpec, TensorValue } from '@runlog/models';
import type { InferenceSession } from 'onnxruntime-node';
import { inferOnnxSignature } from './onnx-signature.js';
import type { OrtModule } from './ort-loader.js';
import { fromOrtTensor, isOrtTensor, toOrtTensor } from './tensor-convert.js';

/** The FlavorModel of the onnx flavor; `raw` is the InferenceSession. */
export class OnnxFlavorModel implements FlavorModel {
  readonly inputNames: string[];
  readonly outputNames: string[];
  /** The graph's inputs as tensor specs, for enforcement when the MLmodel has no signature. */
  readonly inputSpecs: TensorSpec[] | undefined;
  /** Input name → onnxruntime element type ('float32', 'int64', ...), for the float64 cast. */
  private readonly inputTypes = new Map<string, string>();
  private released = false;

  constructor(
    private readonly ort: OrtModule,
    readonly raw: InferenceSession,
  ) {
    this.inputNames = [...raw.inputNames];
    this.outputNames = [...raw.outputNames];
    const inferred = inferOnnxSignature(raw);
    this.inputSpecs = inferred?.inputs.kind === 'tensor' ? inferred.inputs.inputs : undefined;
    for (const m of raw.inputMetadata ?? []) {
      if (m.isTensor) this.inputTypes.set(m.name, m.type);
    }
  }

  /**
   * Runs the graph. Every graph input must be present (extra names are ignored, as MLflow does);
   * a model with one input also takes a single value under any name. float64 values for a
   * float32 input are cast, as MLflow's ONNX pyfunc does for JSON-borne floats.
   */
  /** Not `async`, to keep one promise layer over the session's own (hot path); see the models bench. */
  run(inputs: Record<string, TensorValue>): Promise<Record<string, TensorValue>> {
    let feeds: Record<string, ReturnType<typeof toOrtTensor>>;
    try {
      feeds = this.feedsFor(inputs);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.raw.run(feeds).then((results) => this.outputsOf(results));
  }

  private feedsFor(inputs: Record<string, TensorValue>): Record<string, ReturnType<typeof toOrtTensor>> {
    const feeds: Record<string, ReturnType<typeof toOrtTensor>> = {};
    const given = Object.keys(inputs);
    for (const name of this.inputNames) {
      let value = inputs[name];
      if (value === undefined && this.inputNames.length === 1 && given.length === 1) value = inputs[given[0]!];
      if (value === undefined) {
        throw new SchemaMismatchError(
          `missing input '${name}' (the model takes ${this.inputNames.map((n) => `'${n}'`).join(', ')})`,
          name,
          'a tensor',
          'nothing',
        );
      }
      feeds[name] = toOrtTensor(this.ort, name, this.castForInput(name, value));
    }
    return feeds;
  }

  private outputsOf(results: Record<string, unknown>): Record<string, TensorValue> {
    const out: Record<string, TensorValue> = {};
    for (const name of this.outputNames) {
      const tensor = results[name];
      if (!isOrtTensor(tensor)) {
        throw new SchemaMismatchError(`output '${name}' is not a tensor`, name, 'a tensor', typeof tensor);
      }
      out[name] = fromOrtTensor(name, tensor);
    }
    return out;
  }

  fromFrameworkTensor(value: unknown): TensorValue | undefined {
    return isOrtTensor(value) ? fromOrtTensor('tensor', value) : undefined;
  }

  /** Releases the native session; idempotent. */
  async dispose(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.raw.release();
  }

  private castForInput(name: string, value: TensorValue): TensorValue {
    if (value.dtype === 'float64' && this.inputTypes.get(name) === 'float32') {
      return { dtype: 'float32', dims: value.dims, data: Float32Array.from(value.data as Float64Array) };
    }
    return value;
  }
}
