/**
 * @runlog/tfjs: the tfjs flavor of MLflow Models and its autolog plugin.
 *
 * @module @runlog/tfjs
 */
export {
  tfjsFlavor,
  isLayersModel,
  TfjsFlavorModel,
  TFJS_FLAVOR_NAME,
  TFJS_DATA_DIR,
  type TfjsFlavorOptions,
  type TfjsFlavorConfig,
} from './tfjs-flavor.js';
export { registerTfjsFlavor } from './register-tfjs-flavor.js';
export { inferTfjsSignature, tensorNames } from './infer-signature.js';
export { isTfTensor, fromTfTensor, fromTfTensorSync, toTfTensor, numpyDtypeOf } from './tensor-convert.js';
export { captureArtifacts, writeLayersModel, readLayersModel, insideDir, MODEL_JSON } from './layers-model-files.js';
export { resolveTfjs, describeTfjs, type TfjsModule, type ResolvedTfjs } from './resolve-tfjs.js';
export { tfjsAutologPlugin, type TfjsAutologOptions } from './tfjs-autolog-plugin.js';
