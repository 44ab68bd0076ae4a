/**
 * @runlog/tfjs: the tfjs flavor of MLflow Models and its autolog plugin.
 *
 * @module @runlog/tfjs
 */
export {
  tfjsFlavor,
  TfjsFlavorModel,
  TFJS_FLAVOR_NAME,
  type TfjsFlavorOptions,
  type TfjsFlavorConfig,
} from './tfjs-flavor.js';
export { registerTfjsFlavor } from './register-tfjs-flavor.js';
export { inferTfjsSignature } from './infer-signature.js';
export { describeTfjs, type TfjsModule, type ResolvedTfjs } from './resolve-tfjs.js';
export { tfjsAutologPlugin, type TfjsAutologOptions } from './tfjs-autolog-plugin.js';
export { datasetFromTensor, datasetFromTfDataset, type TensorFeatures, type TensorDatasetOptions, type TfDataDatasetOptions } from './tf-datasets.js';
