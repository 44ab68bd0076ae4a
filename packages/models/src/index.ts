export type * from './types.js';

export { saveModel, type SaveModelOptions } from './save-model.js';
export { loadModel, resolveRegistryUri, type LoadModelOptions, type LoadedModel, type OutputValue } from './load-model.js';
export { registerModel, type RegisterModelOptions } from './register-model.js';
export { logModel, LOG_MODEL_HISTORY_TAG, type LogModelOptions, type ModelInfo } from './log-model.js';
export { parseModelUri, type ParsedModelUri } from './model-uri.js';

export { registerFlavor, unregisterFlavor, getFlavor, listFlavors, flavorFor, flavorForModel } from './flavor-registry.js';

export {
  MLMODEL_FILE,
  MLFLOW_FORMAT_VERSION,
  readMLmodel,
  writeMLmodel,
  toYamlDict,
  fromYamlDict,
  mlmodelToYaml,
  mlmodelFromYaml,
  formatUtcTimeCreated,
  newModelUuid,
} from './mlmodel.js';

export {
  tensorSpec,
  validateSchema,
  schemaToJsonList,
  schemaFromJsonList,
  signatureToDict,
  signatureFromDict,
  inferSignatureFromExample,
  NUMPY_DTYPES,
  COLUMN_TYPES,
} from './signature.js';

export {
  TYPED_ARRAY_OF_DTYPE,
  isTensorValue,
  isTypedArray,
  dtypeOfTypedArray,
  shapeOf,
  nestedToTensor,
  tensorToNested,
  castTensor,
  numElements,
  toHalfBits,
  fromHalfBits,
} from './tensor.js';

export { compileEnforcer, type SchemaEnforcer, type EnforcementTarget } from './schema-enforcement.js';
export { isSafeCast, nestedArraySchema } from './tensor-check.js';

export {
  buildInputExample,
  saveInputExample,
  INPUT_EXAMPLE_FILE,
  SERVING_INPUT_EXAMPLE_FILE,
  type BuiltInputExample,
} from './input-example.js';

export {
  NODE_ENV_FILE,
  REQUIREMENTS_FILE,
  PYTHON_ENV_FILE,
  CONDA_ENV_FILE,
  DEFAULT_PYTHON_VERSION,
  buildNodeEnv,
  writeNodeEnv,
  resolveInstalledVersion,
  packageLockSha256,
  runlogVersion,
  withMlflowRequirement,
  pythonEnvFiles,
  writePythonEnv,
  pythonFunctionFlavor,
  type NodeEnv,
  type PythonFunctionFlavorOptions,
} from './environment.js';

// Python-compatible encoding lives in core; models re-exports it for flavor authors.
export { pyJsonDumps, pyFloatRepr, PyFloat, PyFloatTree, pyYamlDump, pyYamlLoad, type PyYamlValue, type PyYamlDumpOptions } from '@runlog/core';
