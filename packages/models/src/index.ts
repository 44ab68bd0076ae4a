/**
 * @runlog/models: MLflow Models for Node.js — save, log, load and register models in MLflow's
 * format, and the flavor registry that the ONNX and TF.js packages plug into. Every public name is
 * listed here on purpose; `test/public-api.test.ts` snapshots the list. Plumbing shared with the
 * flavor packages lives in `@runlog/models/internal` (not public, may change in any release).
 *
 * @packageDocumentation
 */
export { saveModel, type SaveModelOptions } from './save-model.js';
export { loadModel, resolveRegistryUri, type LoadModelOptions, type LoadedModel, type OutputValue } from './load-model.js';
export { registerModel, type RegisterModelOptions } from './register-model.js';
export { logModel, LOG_MODEL_HISTORY_TAG, type LogModelOptions, type ModelInfo } from './log-model.js';
export { parseModelUri, type ParsedModelUri } from './model-uri.js';
export { registerFlavor, unregisterFlavor, getFlavor, listFlavors } from './flavor-registry.js';
export { MLMODEL_FILE, readMLmodel, writeMLmodel } from './mlmodel.js';
export { inferSignatureFromExample } from './signature.js';
export type {
  NumpyDtype,
  ColumnType,
  TensorSpec,
  ColSpec,
  Schema,
  ParamSpec,
  ModelSignature,
  TensorValue,
  NestedArray,
  PredictInput,
  SavedInputExampleInfo,
  MLmodel,
  FlavorSaveOptions,
  FlavorSaveResult,
  FlavorLoadOptions,
  FlavorModel,
  Flavor,
} from './types.js';

// ---- Images, tables and figures (issue #13) ----
export {
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
  type RunTarget,
} from './media/index.js';

// ---- Datasets for logInput (issue #13) ----
export {
  datasetFromArrays,
  datasetFromRecords,
  datasetFromCsv,
  datasetFromJson,
  type ArrayFeatures,
  type ArrayData,
  type ArrayDatasetOptions,
  type DatasetOptions,
  type FileDatasetOptions,
  type DatasetSourceInfo,
  type Cell,
  type NumericTypedArray,
  type NumericDtype,
} from './datasets/index.js';
