/**
 * runlog: the TypeScript-native MLflow. This package is what users install: it re-exports the
 * public API of @runlog/core (tracking) and @runlog/models (MLflow Models), registers the ONNX and
 * TF.js flavors (neither loads its framework until a model of that kind is saved or loaded), and
 * provides autolog().
 */
import { onnxAutologPlugin, registerOnnxFlavor } from '@runlog/onnx';
import { registerTfjsFlavor, tfjsAutologPlugin } from '@runlog/tfjs';
import { registerAutologPlugin } from './autolog.js';

export * from '@runlog/core';
export {
  saveModel,
  loadModel,
  logModel,
  registerModel,
  resolveRegistryUri,
  parseModelUri,
  readMLmodel,
  writeMLmodel,
  inferSignatureFromExample,
  registerFlavor,
  getFlavor,
  listFlavors,
  type LoadedModel,
  type ModelInfo,
  type RegisterModelOptions,
  type MLmodel,
  type ModelSignature,
  type TensorSpec,
  type ColSpec,
  type TensorValue,
  type NestedArray,
  type Flavor,
  type FlavorModel,
  logImage,
  logTable,
  loadTable,
  logFigure,
  type LogImageStepOptions,
  type LogImageFileOptions,
  type ImageInput,
  type RawPixels,
  type TensorLike,
  type LoadTableOptions,
  type TableInput,
  type TableJson,
  type LogFigureOptions,
} from '@runlog/models';
export { serveModel, type ServeOptions, type ServeHandle, type ServeStats, type BatchingOptions } from '@runlog/serve';
export { autolog, registerAutologPlugin, type RunlogAutologOptions } from './autolog.js';

registerOnnxFlavor();
registerTfjsFlavor();
registerAutologPlugin(tfjsAutologPlugin);
registerAutologPlugin(onnxAutologPlugin);
