import type * as tfjs from '@tensorflow/tfjs';
import { join } from 'node:path';
import { debuglog } from 'node:util';
import { InvalidArgumentError, ModelFormatError, SchemaMismatchError } from '@runlog/core';
import type {
  Flavor,
  FlavorLoadOptions,
  FlavorModel,
  FlavorSaveOptions,
  FlavorSaveResult,
  MLmodel,
  TensorSpec,
  TensorValue,
} from '@runlog/models';
import { inferTfjsSignature, tensorNames } from './infer-signature.js';
import { captureArtifacts, insideDir, readLayersModel, writeLayersModel } from './layers-model-files.js';
import { resolveTfjs, type TfjsModule } from './resolve-tfjs.js';
import { fromTfTensor, fromTfTensorSync, isTfTensor, toTfTensor } from './tensor-convert.js';

const debug = debuglog('runlog');

/** The flavor's name: its block in MLmodel is `flavors.tfjs`. */
export const TFJS_FLAVOR_NAME = 'tfjs';
/** The subdirectory of an MLflow Model directory holding the TF.js files (`data` in the flavor block). */
export const TFJS_DATA_DIR = 'model';

/**
 * `flavorOptions` the tfjs flavor reads, at save and at load.
 * - `tf`: the TF.js module to use (`import * as tf from '@tensorflow/tfjs-node'`); by default the
 *   first of @tensorflow/tfjs-node and @tensorflow/tfjs that imports.
 * - `includeOptimizer` (save only): also save the optimizer's state, as `model.save(…, { includeOptimizer })`.
 */
export interface TfjsFlavorOptions {
  tf?: TfjsModule | undefined;
  includeOptimizer?: boolean | undefined;
}

/** The `flavors.tfjs` block of MLmodel. */
export interface TfjsFlavorConfig {
  /** Directory of model.json and its weight files, relative to the model directory. */
  data: string;
  format: 'layers-model';
  /** `tf.version.tfjs` of the TF.js that saved it. */
  tfjs_version: string;
  /** `tf.getBackend()` when it was saved ('cpu', 'tensorflow', ...). */
  backend: string;
}

/**
 * True for a TF.js LayersModel (`tf.sequential()`, `tf.model()`, `tf.loadLayersModel()`) of any copy
 * of TF.js, by shape: `save`, `predict`, `inputs`, `outputs`, and `getConfig` or `toJSON`. A GraphModel
 * (tfjs-converter) has no `getConfig`/`toJSON` and is not accepted.
 */
export function isLayersModel(model: unknown): model is tfjs.LayersModel {
  if (typeof model !== 'object' || model === null) return false;
  const m = model as Record<string, unknown>;
  return (
    typeof m['save'] === 'function' &&
    typeof m['predict'] === 'function' &&
    Array.isArray(m['inputs']) &&
    Array.isArray(m['outputs']) &&
    (typeof m['getConfig'] === 'function' || typeof m['toJSON'] === 'function')
  );
}

/**
 * The TF.js flavor: saves a LayersModel in TF.js's layers format under `<dir>/model/` (model.json +
 * weight shards, loadable by `tf.loadLayersModel`), with a tensor signature inferred from the model's
 * inputs and outputs; loads it back and predicts with it. Python MLflow cannot load this flavor, so it
 * writes no `python_function` block.
 */
export const tfjsFlavor: Flavor = {
  name: TFJS_FLAVOR_NAME,
  accepts: isLayersModel,
  save: saveTfjsModel,
  load: loadTfjsModel,
};

async function saveTfjsModel(model: unknown, dir: string, opts: FlavorSaveOptions): Promise<FlavorSaveResult> {
  if (!isLayersModel(model)) {
    throw new InvalidArgumentError('the tfjs flavor saves TF.js LayersModels (tf.sequential(), tf.model(), tf.loadLayersModel())');
  }
  const options = flavorOptions(opts.flavorOptions);
  const { tf, packageName, version } = await resolveTfjs(options.tf);
  const artifacts = await captureArtifacts(
    tf,
    model,
    options.includeOptimizer === undefined ? undefined : { includeOptimizer: options.includeOptimizer },
  );
  await writeLayersModel(join(dir, TFJS_DATA_DIR), artifacts);
  noteSecondCopy(tf, packageName, artifacts.generatedBy);

  const config: TfjsFlavorConfig = {
    data: TFJS_DATA_DIR,
    format: 'layers-model',
    tfjs_version: tf.version?.tfjs ?? version,
    backend: await backendOf(tf),
  };
  return {
    flavors: { [TFJS_FLAVOR_NAME]: { ...config } },
    signature: opts.signature ?? inferTfjsSignature(model),
    nodePackages: { [packageName]: version },
    pythonRequirements: [],
  };
}

async function loadTfjsModel(dir: string, mlmodel: MLmodel, opts: FlavorLoadOptions): Promise<FlavorModel> {
  const block = mlmodel.flavors[TFJS_FLAVOR_NAME];
  if (!block) throw new ModelFormatError(`MLmodel in ${dir} has no '${TFJS_FLAVOR_NAME}' flavor`);
  const format = block['format'] ?? 'layers-model';
  if (format !== 'layers-model') throw new ModelFormatError(`the tfjs flavor loads layers models, not '${String(format)}'`);
  const data = insideDir(typeof block['data'] === 'string' ? block['data'] : TFJS_DATA_DIR, `flavors.${TFJS_FLAVOR_NAME}.data`);

  const { tf } = await resolveTfjs(flavorOptions(opts.flavorOptions).tf);
  const artifacts = await readLayersModel(tf, join(dir, data));
  let model: tfjs.LayersModel;
  try {
    model = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  } catch (err) {
    throw new ModelFormatError(`TF.js could not load the model in ${join(dir, data)}: ${String(err)}`, { cause: err });
  }
  return new TfjsFlavorModel(tf, model);
}

/** A loaded LayersModel behind the FlavorModel contract. */
export class TfjsFlavorModel implements FlavorModel {
  readonly inputNames: string[];
  readonly outputNames: string[];
  /** The model's input layers as TensorSpecs (dtype, shape with -1), for enforcement without a signature. */
  readonly inputSpecs: TensorSpec[] | undefined;
  private disposed = false;

  constructor(
    private readonly tf: TfjsModule,
    readonly raw: tfjs.LayersModel,
  ) {
    ({ inputNames: this.inputNames, outputNames: this.outputNames } = tensorNames(raw));
    const inputs = inferTfjsSignature(raw)?.inputs;
    this.inputSpecs = inputs?.kind === 'tensor' ? inputs.inputs : undefined;
  }

  /**
   * Predicts on tensors keyed by input name (a single-input model also takes one tensor under any
   * name). Inputs are converted to each model input's dtype. Every tensor made here, inputs and
   * outputs, is disposed before this returns.
   */
  async run(inputs: Record<string, TensorValue>): Promise<Record<string, TensorValue>> {
    if (this.disposed) throw new InvalidArgumentError('this TF.js model has been disposed');
    const tensors: tfjs.Tensor[] = [];
    let outputs: tfjs.Tensor[] = [];
    try {
      for (const [i, name] of this.inputNames.entries()) {
        const value = this.pickInput(inputs, name);
        tensors.push(toTfTensor(this.tf, value, this.raw.inputs[i]!.dtype, name));
      }
      const predicted = this.raw.predict(tensors.length === 1 ? tensors[0]! : tensors);
      outputs = Array.isArray(predicted) ? predicted : [predicted];
      const result: Record<string, TensorValue> = {};
      for (const [i, name] of this.outputNames.entries()) result[name] = await fromTfTensor(outputs[i]!);
      return result;
    } finally {
      for (const t of [...tensors, ...outputs]) t.dispose();
    }
  }

  /** A tf.Tensor (from any copy of TF.js) as a TensorValue; undefined for anything else. */
  fromFrameworkTensor(value: unknown): TensorValue | undefined {
    return isTfTensor(value) && !value.isDisposed ? fromTfTensorSync(value) : undefined;
  }

  /** Frees the model's weights. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.raw.dispose();
  }

  private pickInput(inputs: Record<string, TensorValue>, name: string): TensorValue {
    const value = inputs[name];
    if (value) return value;
    const given = Object.keys(inputs);
    if (this.inputNames.length === 1 && given.length === 1) return inputs[given[0]!]!;
    throw new SchemaMismatchError(
      `missing input '${name}' (the model takes ${this.inputNames.map((n) => `'${n}'`).join(', ')})`,
      name,
      this.inputNames.join(', '),
      given.join(', '),
    );
  }
}

function flavorOptions(raw: Record<string, unknown> | undefined): TfjsFlavorOptions {
  const o = raw ?? {};
  const includeOptimizer = o['includeOptimizer'];
  if (includeOptimizer !== undefined && typeof includeOptimizer !== 'boolean') {
    throw new InvalidArgumentError('flavorOptions.includeOptimizer must be a boolean');
  }
  return { tf: o['tf'] as TfjsModule | undefined, includeOptimizer };
}

/**
 * The model records which tfjs-layers made it ('TensorFlow.js tfjs-layers v4.22.0'). When that is not
 * the TF.js runlog resolved, two copies of TF.js are loaded: saving still works (the model saves
 * itself), but tfjs_version and nodePackages name the resolved copy, not the model's. Say so (NODE_DEBUG=runlog).
 */
function noteSecondCopy(tf: TfjsModule, packageName: string, generatedBy: string | undefined): void {
  const madeBy = /tfjs-layers v(\S+)$/.exec(generatedBy ?? '')?.[1];
  const resolved = (tf.version as Record<string, string | undefined> | undefined)?.['tfjs-layers'];
  if (madeBy && resolved && madeBy !== resolved) {
    debug('tfjs: the model was made by tfjs-layers %s but %s has tfjs-layers %s: two copies of TF.js are loaded; pass flavorOptions.tf', madeBy, packageName, resolved);
  }
}

/** The active backend's name, initialising TF.js's default backend when none is active yet. */
async function backendOf(tf: TfjsModule): Promise<string> {
  let name = tf.getBackend();
  if (!name) {
    await tf.ready();
    name = tf.getBackend();
  }
  return name ?? 'unknown';
}
