import { debuglog } from 'node:util';
import { resolve } from 'node:path';
import { UnknownFlavorError } from '@runlog/core';
import { runlogVersion, writeNodeEnv, writePythonEnv, DEFAULT_PYTHON_VERSION } from './environment.js';
import { flavorFor, getFlavor, listFlavors } from './flavor-registry.js';
import { dirSize, prepareEmptyDir, undoDir } from './fs-utils.js';
import { saveInputExample } from './input-example.js';
import { MLFLOW_FORMAT_VERSION, formatUtcTimeCreated, newModelUuid, writeMLmodel } from './mlmodel.js';
import { inferSignatureFromExample, signatureToDict } from './signature.js';
import type { Flavor, MLmodel, ModelSignature, SavedInputExampleInfo } from './types.js';

const log = debuglog('runlog');

/** Options of saveModel(). */
export interface SaveModelOptions {
  /** A registered flavor's name, or a Flavor; default: the first registered flavor that accepts the model. */
  flavor?: string | Flavor<never> | undefined;
  /**
   * The model's signature. Default: what the flavor infers from the model (ONNX graph, TF.js
   * layers), else the inputs inferred from `inputExample` (see inferSignatureFromExample).
   */
  signature?: ModelSignature | undefined;
  /** Saved as input_example.json + serving_input_example.json (MLflow's format). */
  inputExample?: unknown;
  /** Params saved with the input example (`{"inputs": ..., "params": ...}`). */
  inputExampleParams?: Record<string, unknown> | undefined;
  /** Free-form user metadata (MLmodel `metadata`). */
  metadata?: Record<string, unknown> | undefined;
  flavorOptions?: Record<string, unknown> | undefined;
  /** The Python version named by python_env.yaml / conda.yaml (default DEFAULT_PYTHON_VERSION). */
  pythonVersion?: string | undefined;
  /** Where node_modules and package-lock.json are looked up for node_env.json (default: cwd). */
  projectDir?: string | undefined;
  /** The clock for `utc_time_created` (tests inject one). */
  now?: (() => Date) | undefined;
}

function chooseFlavor(model: unknown, choice: SaveModelOptions['flavor']): Flavor {
  if (choice === undefined) return flavorFor(model);
  if (typeof choice !== 'string') return choice as unknown as Flavor;
  const f = getFlavor(choice);
  if (!f) {
    const names = listFlavors().map((x) => x.name);
    throw new UnknownFlavorError(`Flavor '${choice}' is not installed. Installed flavors: ${names.join(', ') || 'none'}.`);
  }
  return f;
}

/**
 * Saves `model` as an MLflow Model directory at `path` (which must not exist, or be empty):
 * the flavor's files, then input_example.json / serving_input_example.json, then MLmodel with
 * `model_size_bytes` = the bytes of everything written so far (MLflow measures before writing
 * MLmodel and the environment files), then node_env.json and — when the flavor can be loaded by
 * Python — requirements.txt, python_env.yaml, conda.yaml. On failure the directory is removed
 * (or emptied, if it existed).
 *
 * MLmodel claims `mlflow_version: 3.18.0` (the format runlog writes) and records the writer in a
 * top-level `runlog_version` key, which Python MLflow keeps as an extra attribute; user
 * `metadata` is left to the user.
 */
export async function saveModel(model: unknown, path: string, opts: SaveModelOptions = {}): Promise<MLmodel> {
  const flavor = chooseFlavor(model, opts.flavor);
  if (opts.signature) signatureToDict(opts.signature); // validates before anything is written
  const dir = resolve(path);
  const created = await prepareEmptyDir(dir);
  const pythonVersion = opts.pythonVersion ?? DEFAULT_PYTHON_VERSION;
  try {
    const result = await flavor.save(model, dir, { signature: opts.signature, flavorOptions: opts.flavorOptions, pythonVersion });
    let signature = opts.signature ?? result.signature;
    if (!signature && opts.inputExample !== undefined) {
      try {
        signature = inferSignatureFromExample(opts.inputExample);
      } catch (err) {
        log('saveModel: no signature inferred from the input example: %s', (err as Error).message);
      }
    }
    let exampleInfo: SavedInputExampleInfo | undefined;
    if (opts.inputExample !== undefined) exampleInfo = await saveInputExample(dir, opts.inputExample, opts.inputExampleParams);
    const mlmodel: MLmodel = {
      flavors: result.flavors,
      mlflowVersion: MLFLOW_FORMAT_VERSION,
      modelId: null,
      modelUuid: newModelUuid(),
      modelSizeBytes: await dirSize(dir),
      utcTimeCreated: formatUtcTimeCreated((opts.now ?? (() => new Date()))()),
      signature,
      savedInputExampleInfo: exampleInfo,
      metadata: opts.metadata,
      runlogVersion: await runlogVersion(),
    };
    await writeMLmodel(dir, mlmodel);
    await writeNodeEnv(dir, result.nodePackages ?? {}, opts.projectDir);
    if (result.pythonRequirements && result.pythonRequirements.length > 0) await writePythonEnv(dir, result.pythonRequirements, pythonVersion);
    return mlmodel;
  } catch (err) {
    await undoDir(dir, created);
    throw err;
  }
}
