/**
 * @runlog/models/internal: plumbing shared by runlog's own packages (the ONNX and TF.js flavors,
 * the scoring server). Not part of the public API: names here may change or go in any release.
 *
 * @packageDocumentation
 */
export { flavorFor, flavorForModel } from './flavor-registry.js';
export {
  MLFLOW_FORMAT_VERSION,
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
// Python-compatible encoding lives in core; re-exported here for flavor packages.
export { pyJsonDumps, pyFloatRepr, PyFloat, PyFloatTree, pyYamlDump, pyYamlLoad, type PyYamlValue, type PyYamlDumpOptions } from '@runlog/core/internal';
export { renderVegaLiteSvg, LOGGED_IMAGES_TAG, LOGGED_ARTIFACTS_TAG } from './media/index.js';
export { tensorDataset, arraysDigest, tableDataset, tableDigest, typedColumn, codeSource, locationSource, toFlatArray, MAX_HASHED_ELEMENTS, type FlatArray, type TableColumn } from './datasets/index.js';
export { numberHash, uint64Bytes } from './datasets/pandas-hash.js';
export { resolveSource } from './datasets/dataset-source.js';
