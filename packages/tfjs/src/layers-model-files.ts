import type * as tfjs from '@tensorflow/tfjs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { isAbsolute, join, normalize, sep } from 'node:path';
import { ModelFormatError } from '@runlog/core';
import type { TfjsModule } from './resolve-tfjs.js';

type ModelArtifacts = tfjs.io.ModelArtifacts;
type ModelJSON = tfjs.io.ModelJSON;

/** The file TF.js's layers format keeps the topology and weights manifest in. */
export const MODEL_JSON = 'model.json';

/**
 * Captures a LayersModel's artifacts in memory, through an in-memory save handler: no `file://`
 * router is needed, so this works the same with @tensorflow/tfjs and @tensorflow/tfjs-node.
 */
export async function captureArtifacts(
  tf: TfjsModule,
  model: tfjs.LayersModel,
  config?: tfjs.io.SaveConfig,
): Promise<ModelArtifacts> {
  let captured: ModelArtifacts | undefined;
  const handler = tf.io.withSaveHandler(async (artifacts) => {
    captured = artifacts;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  });
  await model.save(handler, config);
  if (!captured) throw new ModelFormatError('the TF.js model produced no artifacts when saved');
  return captured;
}

/**
 * Writes artifacts as TF.js's layers format into `dir` (created if needed): `model.json` with
 * `modelTopology` and a `weightsManifest` naming `group1-shard1of1.bin` (or `group1-shard<i>ofN.bin`,
 * one per buffer, when TF.js hands the weights over in several), the layout `tf.loadLayersModel` and
 * the Python `tensorflowjs` converter read. Returns the files written, relative to `dir`.
 */
export async function writeLayersModel(dir: string, artifacts: ModelArtifacts): Promise<string[]> {
  if (artifacts.modelTopology === undefined || artifacts.modelTopology instanceof ArrayBuffer) {
    throw new ModelFormatError('the tfjs flavor saves layers models only (model topology as JSON)');
  }
  await mkdir(dir, { recursive: true });
  const weightData = artifacts.weightData;
  const buffers = weightData === undefined ? [] : Array.isArray(weightData) ? weightData : [weightData];
  const paths = buffers.map((_, i) => `group1-shard${i + 1}of${buffers.length}.bin`);
  const modelJson: ModelJSON = {
    modelTopology: artifacts.modelTopology,
    format: artifacts.format ?? 'layers-model',
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy ?? null,
    weightsManifest: [{ paths, weights: artifacts.weightSpecs ?? [] }],
  };
  if (artifacts.trainingConfig != null) modelJson.trainingConfig = artifacts.trainingConfig;
  if (artifacts.signature != null) modelJson.signature = artifacts.signature;
  if (artifacts.userDefinedMetadata != null) modelJson.userDefinedMetadata = artifacts.userDefinedMetadata;
  if (artifacts.modelInitializer != null) modelJson.modelInitializer = artifacts.modelInitializer;
  if (artifacts.initializerSignature != null) modelJson.initializerSignature = artifacts.initializerSignature;

  for (const [i, buffer] of buffers.entries()) await writeFile(join(dir, paths[i]!), new Uint8Array(buffer));
  await writeFile(join(dir, MODEL_JSON), JSON.stringify(modelJson));
  return [MODEL_JSON, ...paths];
}

/**
 * Reads a TF.js layers-format directory (`model.json` and the weight files its manifest lists, in
 * manifest order: groups, then paths within a group, concatenated as TF.js does) into artifacts for
 * `tf.io.fromMemory`. Reads what runlog, tfjs-node's `file://` handler and the converter write.
 * @throws ModelFormatError for a missing or corrupt model.json, a missing weight file, or a manifest
 *   path that leaves the directory.
 */
export async function readLayersModel(tf: TfjsModule, dir: string): Promise<ModelArtifacts> {
  const jsonPath = join(dir, MODEL_JSON);
  let text: string;
  try {
    text = await readFile(jsonPath, 'utf8');
  } catch (err) {
    throw new ModelFormatError(`TF.js model file missing: ${jsonPath}`, { cause: err });
  }
  let modelJson: ModelJSON;
  try {
    modelJson = JSON.parse(text) as ModelJSON;
  } catch (err) {
    throw new ModelFormatError(`TF.js model file is not JSON: ${jsonPath}`, { cause: err });
  }
  if (typeof modelJson !== 'object' || modelJson === null || typeof modelJson.modelTopology !== 'object') {
    throw new ModelFormatError(`TF.js model file has no modelTopology: ${jsonPath}`);
  }
  const manifest = modelJson.weightsManifest ?? [];
  if (!Array.isArray(manifest)) throw new ModelFormatError(`TF.js model file has a bad weightsManifest: ${jsonPath}`);

  const weightSpecs: tfjs.io.WeightsManifestEntry[] = [];
  const buffers: ArrayBuffer[] = [];
  for (const group of manifest) {
    for (const p of group.paths ?? []) buffers.push(await readWeightFile(dir, p));
    weightSpecs.push(...(group.weights ?? []));
  }

  const artifacts: ModelArtifacts = {
    modelTopology: modelJson.modelTopology,
    format: modelJson.format,
    generatedBy: modelJson.generatedBy,
    convertedBy: modelJson.convertedBy,
    weightSpecs,
    weightData: joinWeights(tf, buffers),
  };
  if (modelJson.trainingConfig != null) artifacts.trainingConfig = modelJson.trainingConfig;
  if (modelJson.signature != null) artifacts.signature = modelJson.signature;
  if (modelJson.userDefinedMetadata != null) artifacts.userDefinedMetadata = modelJson.userDefinedMetadata;
  if (modelJson.modelInitializer != null) artifacts.modelInitializer = modelJson.modelInitializer;
  if (modelJson.initializerSignature != null) artifacts.initializerSignature = modelJson.initializerSignature;
  return artifacts;
}

/**
 * `rel` normalized, when it names a place inside its base directory; throws ModelFormatError
 * (`what` leaves the model directory) for an absolute path, a `..` escape or a URL.
 */
export function insideDir(rel: string, what: string): string {
  const norm = normalize(String(rel));
  if (isAbsolute(norm) || norm === '..' || norm.startsWith(`..${sep}`) || /^[a-z][a-z0-9+.-]*:/i.test(String(rel))) {
    throw new ModelFormatError(`${what} leaves the model directory: ${rel}`);
  }
  return norm;
}

async function readWeightFile(dir: string, manifestPath: string): Promise<ArrayBuffer> {
  const path = join(dir, insideDir(manifestPath, 'TF.js weights path'));
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new ModelFormatError(`TF.js weight file missing: ${path}`, { cause: err });
  }
  // A Buffer may view a slice of a shared pool: hand TF.js an ArrayBuffer of exactly these bytes.
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/**
 * One buffer when there is one; several stay several when this TF.js takes a list (4.x with
 * CompositeArrayBuffer), else they are concatenated, as TF.js releases before that expect.
 */
function joinWeights(tf: TfjsModule, buffers: ArrayBuffer[]): tfjs.io.WeightData {
  if (buffers.length === 1) return buffers[0]!;
  if (buffers.length > 1 && typeof (tf.io as { CompositeArrayBuffer?: unknown }).CompositeArrayBuffer === 'function') {
    return buffers;
  }
  const out = new Uint8Array(buffers.reduce((n, b) => n + b.byteLength, 0));
  let offset = 0;
  for (const b of buffers) {
    out.set(new Uint8Array(b), offset);
    offset += b.byteLength;
  }
  return out.buffer;
}
