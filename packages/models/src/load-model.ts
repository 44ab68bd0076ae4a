import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError, InvalidModelUriError, ModelFormatError, NotFoundError, getClient, type RunlogClient } from '@runlog/core';
import { flavorForModel } from './flavor-registry.js';
import { makeTempDir, undoDir } from './fs-utils.js';
import { readMLmodel } from './mlmodel.js';
import { parseModelUri } from './model-uri.js';
import { resolveRunsUri } from './runs-uri.js';
import { compileEnforcer } from './schema-enforcement.js';
import { tensorToNested } from './tensor.js';
import type { FlavorModel, MLmodel, ModelSignature, NestedArray, TensorValue } from './types.js';

/** Options of loadModel(). */
export interface LoadModelOptions {
  /** The client that resolves runs:/ and models:/ URIs (default: the fluent API's client). */
  client?: RunlogClient | undefined;
  /** Load with this registered flavor (it must be among the model's flavors). */
  flavor?: string | undefined;
  flavorOptions?: Record<string, unknown> | undefined;
  /** Where a remote model is downloaded (default: a temp dir, removed by dispose()). */
  dstDir?: string | undefined;
}

/** One output of predict(): nested arrays (a 0-d tensor gives its single value). */
export type OutputValue = NestedArray | number | string | boolean;

/** A model opened by loadModel(): its MLmodel, signature, and predict(). */
export interface LoadedModel {
  /** The local model directory (a download is removed by dispose() unless `dstDir` was given). */
  readonly path: string;
  readonly mlmodel: MLmodel;
  readonly signature: ModelSignature | undefined;
  readonly metadata: Record<string, unknown> | undefined;
  /** The flavor that loaded it. */
  readonly flavor: string;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** The framework object (an InferenceSession, a tf.LayersModel). */
  readonly raw: unknown;
  /**
   * Checks `input` against the signature (see compileEnforcer), runs the model and returns each
   * output as nested arrays, `{ outputName: [[...]] }` — what MLflow's pyfunc returns for a tensor
   * model, as JSON. int64 outputs become JS numbers (exact up to 2^53).
   */
  predict(input: unknown, params?: Record<string, unknown>): Promise<Record<string, OutputValue>>;
  /** As predict(), with the outputs as TensorValues (typed arrays, no conversion). */
  predictTensors(input: unknown, params?: Record<string, unknown>): Promise<Record<string, TensorValue>>;
  /** Releases the framework model and any downloaded copy. Idempotent. */
  dispose(): Promise<void>;
}

/** How many `models:/` hops a registry URI may take (a version whose source is another `models:/` URI). */
const MAX_REGISTRY_HOPS = 4;

/**
 * Resolves `models:/<name>/<version>`, `models:/<name>/<stage>` (the highest version in that
 * stage), `models:/<name>/latest` (the highest version of all) and `models:/<name>@<alias>` to a
 * version and its download URI, through the client's model registry, as MLflow's
 * `ModelsArtifactRepository` does. NotFoundError when no version matches.
 */
export async function resolveRegistryUri(uri: string, client: RunlogClient): Promise<{ name: string; version: string; downloadUri: string }> {
  const parsed = parseModelUri(uri);
  if (parsed.kind !== 'registry') throw new InvalidModelUriError(`'${uri}' is not a model registry URI (models:/<name>/<version|stage|latest> or models:/<name>@<alias>).`);
  const { name } = parsed;
  let version: string;
  if (parsed.version !== undefined) version = parsed.version;
  else if (parsed.alias !== undefined) version = (await client.getModelVersionByAlias(name, parsed.alias)).version;
  else {
    const latest = await client.getLatestVersions(name, parsed.stage === undefined ? undefined : [parsed.stage]);
    const best = latest.reduce<string | undefined>((b, v) => (b === undefined || Number(v.version) > Number(b) ? v.version : b), undefined);
    if (best === undefined) {
      throw new NotFoundError(
        parsed.stage === undefined ? `No versions of model with name '${name}' found` : `No versions of model with name '${name}' and stage '${parsed.stage}' found`,
      );
    }
    version = best;
  }
  return { name, version, downloadUri: await client.getModelVersionDownloadUri(name, version) };
}

/** Resolves a model URI to a local directory; `temp` says whether runlog created it. */
async function resolveLocal(uri: string, opts: LoadModelOptions, hops = 0): Promise<{ dir: string; temp: string | undefined }> {
  const parsed = parseModelUri(uri);
  if (parsed.kind === 'local') {
    try {
      if (!(await stat(parsed.path)).isDirectory()) throw new ModelFormatError(`${parsed.path} is not a model directory.`);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`No model at ${parsed.path}.`, { cause: err });
      throw err;
    }
    return { dir: parsed.path, temp: undefined };
  }
  const client = opts.client ?? getClient();
  if (parsed.kind === 'registry') {
    if (hops >= MAX_REGISTRY_HOPS) throw new InvalidModelUriError(`Cannot load '${uri}': registry sources refer to each other more than ${MAX_REGISTRY_HOPS} times.`);
    const { downloadUri } = await resolveRegistryUri(uri, client);
    return resolveLocal(downloadUri, opts, hops + 1);
  }
  const temp = opts.dstDir === undefined ? await makeTempDir('runlog-model-') : undefined;
  const dst = opts.dstDir ?? temp!;
  try {
    let dir: string;
    if (parsed.kind === 'runs') {
      const target = await resolveRunsUri(client, parsed.runId, parsed.artifactPath);
      dir =
        target.kind === 'run-artifacts'
          ? await client.downloadArtifacts(parsed.runId, parsed.artifactPath, dst)
          : await client.downloadFromArtifactUri(target.model.artifactUri, target.relPath, dst);
    } else if (parsed.kind === 'logged-model') {
      const lm = await client.getLoggedModel(parsed.modelId);
      dir = await client.downloadFromArtifactUri(lm.artifactUri, '', dst);
    } else dir = await client.downloadFromArtifactUri(parsed.uri, '', dst);
    return { dir, temp };
  } catch (err) {
    if (temp) await undoDir(temp, true);
    throw err;
  }
}

/** Fails early, with the file named, when the flavor's `data` file is missing. */
async function checkDataFile(dir: string, mlmodel: MLmodel, flavor: string): Promise<void> {
  const data = mlmodel.flavors[flavor]?.data;
  if (typeof data !== 'string' || data === '') return;
  try {
    await stat(join(dir, data));
  } catch (err) {
    throw new ModelFormatError(`Model file ${join(dir, data)} (flavors.${flavor}.data) is missing.`, { cause: err });
  }
}

/**
 * Loads an MLflow Model from a local path, `file:` URI, `runs:/<run_id>/<path>`,
 * `models:/<model_id>`, a registry URI (`models:/<name>/<version|stage|latest>`,
 * `models:/<name>@<alias>`, resolved through the client's registry) or `mlflow-artifacts:` URI,
 * with the first registered flavor found in its
 * MLmodel (or `opts.flavor`). The signature's checks are compiled once here.
 */
export async function loadModel(uri: string, opts: LoadModelOptions = {}): Promise<LoadedModel> {
  const { dir, temp } = await resolveLocal(uri, opts);
  let fm: FlavorModel;
  let mlmodel: MLmodel;
  let flavorName: string;
  try {
    mlmodel = await readMLmodel(dir);
    const flavor = flavorForModel(mlmodel.flavors, opts.flavor);
    flavorName = flavor.name;
    await checkDataFile(dir, mlmodel, flavor.name);
    fm = await flavor.load(dir, mlmodel, { flavorOptions: opts.flavorOptions });
  } catch (err) {
    if (temp) await undoDir(temp, true);
    throw err;
  }
  let enforcer;
  try {
    enforcer = compileEnforcer(mlmodel.signature, fm.inputSpecs);
  } catch (err) {
    await fm.dispose?.();
    if (temp) await undoDir(temp, true);
    throw err;
  }
  let disposed: Promise<void> | undefined;
  // Not `async`: on a 16 µs inference an extra promise layer is a measurable share (see bench);
  // synchronous failures are turned into rejections by hand.
  const predictTensors = (input: unknown, params?: Record<string, unknown>): Promise<Record<string, TensorValue>> => {
    try {
      if (disposed) throw new InvalidArgumentError('This model has been disposed.');
      const inputs = enforcer.enforceInputs(input, fm);
      return fm.run(inputs, enforcer.enforceParams(params));
    } catch (err) {
      return Promise.reject(err);
    }
  };
  return {
    path: dir,
    mlmodel,
    signature: mlmodel.signature,
    metadata: mlmodel.metadata,
    flavor: flavorName,
    inputNames: fm.inputNames,
    outputNames: fm.outputNames,
    raw: fm.raw,
    predictTensors,
    predict(input, params) {
      return predictTensors(input, params).then((out) => {
        const nested: Record<string, ReturnType<typeof tensorToNested>> = {};
        for (const k in out) nested[k] = tensorToNested(out[k]!);
        return nested;
      });
    },
    dispose() {
      disposed ??= (async () => {
        try {
          await fm.dispose?.();
        } finally {
          if (temp) await undoDir(temp, true);
        }
      })();
      return disposed;
    },
  };
}
