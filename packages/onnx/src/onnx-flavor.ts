/**
 * The onnx flavor: saves an ONNX model as MLflow's `mlflow.onnx.save_model` lays it out
 * (`model.onnx` at the model root, an `onnx` block and a `python_function` block with
 * `loader_module: mlflow.onnx`), so Python's `mlflow.pyfunc.load_model` and `mlflow models serve`
 * load it; and loads any such directory, runlog's or Python's, into an onnxruntime-node session.
 * Facts: /work/shared/reference/mlflow-compat.md §9, MLflow 3.18's mlflow/onnx/__init__.py.
 */
import { copyFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';
import { debuglog } from 'node:util';
import { InvalidArgumentError, ModelFormatError } from '@runlog/core';
import { DEFAULT_PYTHON_VERSION, MLFLOW_FORMAT_VERSION } from '@runlog/models/internal';
import type { Flavor, FlavorLoadOptions, FlavorModel, FlavorSaveOptions, FlavorSaveResult, MLmodel } from '@runlog/models';
import type { InferenceSession } from 'onnxruntime-node';
import { withoutOnnxAutolog } from './autolog-suppress.js';
import { OnnxFlavorModel } from './onnx-model.js';
import { inspectOnnxModel, looksLikeOnnxModel } from './onnx-proto.js';
import { isInferenceSession, onnxSessionSource } from './onnx-session.js';
import { inferOnnxSignature, signatureBlocker } from './onnx-signature.js';
import { loadOrt, ortVersion, type OrtModule } from './ort-loader.js';
import {
  checkMlflowProviders,
  nodeProvidersFromMlflow,
  ortSessionOptionsFromMlflow,
  toMlflowSessionOptions,
  type OnnxSessionOptions,
} from './session-options.js';

const debug = debuglog('runlog');

/** The model file name MLflow's onnx flavor uses, at the model root. */
export const ONNX_MODEL_FILE = 'model.onnx';
/** The `onnx` Python package version written as `onnx_version` and pinned in requirements. */
export const ONNX_PYTHON_PACKAGE_VERSION = '1.23.2';
/** The `onnxruntime` Python package pinned in requirements (the release runlog's interop tests use). */
export const ONNXRUNTIME_PYTHON_PACKAGE_VERSION = '1.30.0';
/** MLflow's default is [CUDA, CPU]; runlog writes CPU only unless told, so CPU hosts load silently. */
export const DEFAULT_PROVIDERS: readonly string[] = ['CPUExecutionProvider'];

/** `flavorOptions` of saveModel/logModel for an ONNX model. */
export interface OnnxSaveFlavorOptions {
  /** onnxruntime provider names written as `providers`, in preference order. Default ['CPUExecutionProvider']. */
  providers?: string[];
  /** Written as `onnx_session_options` (MLflow's snake_case form); applied by Python and runlog at load. */
  sessionOptions?: OnnxSessionOptions;
  /** Where the external-data files of a model given as bytes live (a path's own directory is used for a path). */
  externalDataDir?: string;
}

/** `flavorOptions` of loadModel for an ONNX model. */
export interface OnnxLoadFlavorOptions {
  /**
   * onnxruntime-node execution providers ('cpu', 'cuda', {name:'cuda', deviceId:1}, ...); replace
   * the MLmodel's `providers`. Default: the MLmodel's providers mapped to onnxruntime-node names,
   * keeping those bundled with the installed onnxruntime-node (CUDA/TensorRT must be asked for here),
   * else ['cpu'].
   */
  executionProviders?: InferenceSession.ExecutionProviderConfig[];
  /** onnxruntime-node SessionOptions, merged over the MLmodel's `onnx_session_options`. */
  sessionOptions?: InferenceSession.SessionOptions;
}

/** What `saveModel` accepts as an ONNX model. */
export type OnnxModelInput = string | Uint8Array | InferenceSession;

function isOnnxPath(model: unknown): model is string {
  return typeof model === 'string' && model.toLowerCase().endsWith('.onnx');
}

/** MLflow's own file names in a model directory, which an external-data file must not overwrite. */
const RESERVED = new Set([ONNX_MODEL_FILE, 'MLmodel', 'conda.yaml', 'python_env.yaml', 'requirements.txt', 'constraints.txt']);

/** A relative path inside the model directory, or an error naming what is wrong with it. */
function safeRelative(location: string, what: string): string {
  const norm = normalize(location);
  if (location === '' || isAbsolute(location) || norm === '..' || norm.startsWith(`..${sep}`) || norm.split(sep).includes('..')) {
    throw new ModelFormatError(`${what} '${location}' is not a relative path inside the model directory`);
  }
  return norm;
}

async function readModelFile(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR') throw new InvalidArgumentError(`ONNX model file not found: ${path}`);
    throw err;
  }
}

function installedOrtVersion(ort: OrtModule | undefined): string | undefined {
  if (ort) return ortVersion(ort);
  try {
    const require = createRequire(import.meta.url);
    return (require('onnxruntime-node/package.json') as { version?: string }).version;
  } catch {
    return undefined;
  }
}

async function createSession(ort: OrtModule, path: string, options: InferenceSession.SessionOptions, what: string): Promise<InferenceSession> {
  try {
    return await ort.InferenceSession.create(path, options);
  } catch (err) {
    throw new ModelFormatError(`onnxruntime could not load ${what}: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
}

async function save(model: OnnxModelInput, dir: string, opts: FlavorSaveOptions): Promise<FlavorSaveResult> {
  const fo = (opts.flavorOptions ?? {}) as OnnxSaveFlavorOptions;
  const providers = fo.providers === undefined ? [...DEFAULT_PROVIDERS] : checkMlflowProviders(fo.providers);
  const sessionOptions = toMlflowSessionOptions(fo.sessionOptions);
  // saveModel passes the version its python_env.yaml / conda.yaml name, so all three agree. An ONNX
  // model holds no Python objects, so any Python that runs MLflow 3.18 loads it (pyfunc only warns
  // on a major.minor mismatch); the version matters only to a managed environment.
  const pythonVersion = opts.pythonVersion ?? DEFAULT_PYTHON_VERSION;

  // Resolve the model to bytes, and the directory its external data is relative to.
  let bytes: Uint8Array;
  let dataDir: string | undefined = fo.externalDataDir;
  let session: InferenceSession | undefined;
  let what: string;
  if (typeof model === 'string') {
    bytes = await readModelFile(model);
    dataDir ??= dirname(model);
    what = model;
  } else if (model instanceof Uint8Array) {
    bytes = model;
    what = 'the model bytes';
  } else if (isInferenceSession(model)) {
    const source = onnxSessionSource(model);
    if (!source) {
      throw new InvalidArgumentError(
        'this InferenceSession was not created by runlog, and onnxruntime-node does not expose the model a session ' +
          'was created from: save the .onnx path or the model bytes, or create the session with loadOnnxSession()',
      );
    }
    session = model;
    if (source.kind === 'path') {
      bytes = await readModelFile(source.path);
      dataDir ??= dirname(source.path);
      what = source.path;
    } else {
      bytes = source.bytes;
      what = 'the session model bytes';
    }
  } else {
    throw new InvalidArgumentError('the onnx flavor saves a .onnx path, ONNX model bytes or an InferenceSession');
  }

  const info = inspectOnnxModel(bytes, what);
  await writeFile(join(dir, ONNX_MODEL_FILE), bytes);
  for (const location of info.externalDataLocations) {
    const rel = safeRelative(location, 'external data file');
    if (RESERVED.has(rel)) throw new ModelFormatError(`external data file '${location}' would overwrite the model's own ${rel}`);
    if (dataDir === undefined) {
      throw new ModelFormatError(
        `the model bytes reference external data '${location}'; save the model from its path, or pass flavorOptions.externalDataDir`,
      );
    }
    await mkdir(dirname(join(dir, rel)), { recursive: true });
    try {
      await copyFile(join(dataDir, rel), join(dir, rel));
    } catch (err) {
      throw new ModelFormatError(`external data file '${location}' not found in ${dataDir}`, { cause: err });
    }
  }

  let ort: OrtModule | undefined;
  let signature = undefined as FlavorSaveResult['signature'];
  if (opts.signature === undefined) {
    ort = await loadOrt();
    // A session created here reads the copied files, so it checks them too.
    // The probe is runlog's own session, not the user's inference: autologging leaves it alone.
    const probe =
      session ?? (await withoutOnnxAutolog(() => createSession(ort!, join(dir, ONNX_MODEL_FILE), { executionProviders: ['cpu'] }, what)));
    try {
      signature = inferOnnxSignature(probe);
      if (!signature) debug('onnx: no signature inferred for %s: %s', what, signatureBlocker(probe));
    } finally {
      if (probe !== session) await probe.release();
    }
  }

  const version = installedOrtVersion(ort);
  debug('onnx: saved %s (IR %d, opsets %j) to %s', what, info.irVersion, info.opsetImports, dir);
  return {
    flavors: {
      onnx: {
        code: null,
        data: ONNX_MODEL_FILE,
        onnx_session_options: sessionOptions,
        onnx_version: ONNX_PYTHON_PACKAGE_VERSION,
        providers,
      },
      python_function: {
        data: ONNX_MODEL_FILE,
        env: { conda: 'conda.yaml', virtualenv: 'python_env.yaml' },
        loader_module: 'mlflow.onnx',
        python_version: pythonVersion,
      },
    },
    signature,
    nodePackages: version ? { 'onnxruntime-node': version } : {},
    pythonRequirements: [
      `mlflow==${MLFLOW_FORMAT_VERSION}`,
      `onnx==${ONNX_PYTHON_PACKAGE_VERSION}`,
      `onnxruntime==${ONNXRUNTIME_PYTHON_PACKAGE_VERSION}`,
    ],
  };
}

async function load(dir: string, mlmodel: MLmodel, opts: FlavorLoadOptions): Promise<FlavorModel> {
  const block = mlmodel.flavors.onnx;
  if (!block) throw new ModelFormatError(`the MLmodel in ${dir} has no 'onnx' flavor`);
  const data = typeof block.data === 'string' ? block.data : ONNX_MODEL_FILE;
  const path = join(dir, safeRelative(data, "the onnx flavor's data"));
  try {
    if (!(await stat(path)).isFile()) throw new Error('not a file');
  } catch {
    throw new ModelFormatError(`the ONNX model file '${data}' is missing from ${dir}`);
  }
  const fo = (opts.flavorOptions ?? {}) as OnnxLoadFlavorOptions;
  const ort = await loadOrt();
  const bundled = new Set(ort.listSupportedBackends().filter((b) => b.bundled).map((b) => b.name));
  const explicit = fo.executionProviders !== undefined;
  const executionProviders = fo.executionProviders ?? nodeProvidersFromMlflow(block.providers, bundled);
  const options: InferenceSession.SessionOptions = {
    ...ortSessionOptionsFromMlflow(block.onnx_session_options),
    ...fo.sessionOptions,
    executionProviders,
  };
  let session: InferenceSession;
  try {
    session = await createSession(ort, path, options, path);
  } catch (err) {
    // Like MLflow: providers read from the file that fail to start fall back to CPU.
    if (explicit || executionProviders.every((p) => p === 'cpu')) throw err;
    debug('onnx: providers %j failed (%s); retrying on cpu', executionProviders, (err as Error).message);
    session = await createSession(ort, path, { ...options, executionProviders: ['cpu'] }, path);
  }
  return new OnnxFlavorModel(ort, session);
}

/**
 * The onnx flavor. `accepts`: a path ending in `.onnx`, bytes that parse as an ONNX ModelProto,
 * or an onnxruntime InferenceSession (saved only if created by loadOnnxSession()).
 */
export const onnxFlavor: Flavor<OnnxModelInput> = {
  name: 'onnx',
  accepts(model: unknown): boolean {
    if (isOnnxPath(model)) return true;
    if (model instanceof Uint8Array) return looksLikeOnnxModel(model);
    return isInferenceSession(model);
  },
  save,
  load,
};
