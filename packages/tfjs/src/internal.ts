/**
 * @runlog/tfjs/internal: plumbing of the tfjs flavor shared with runlog's own packages and tests.
 * Not part of the public API: names here may change or go in any release.
 *
 * @module @runlog/tfjs/internal
 */
export { isLayersModel, TFJS_DATA_DIR } from './tfjs-flavor.js';
export { tensorNames } from './infer-signature.js';
export { isTfTensor, fromTfTensor, fromTfTensorSync, toTfTensor, numpyDtypeOf } from './tensor-convert.js';
export { captureArtifacts, writeLayersModel, readLayersModel, insideDir, MODEL_JSON } from './layers-model-files.js';
export { resolveTfjs } from './resolve-tfjs.js';
