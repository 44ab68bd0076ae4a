/**
 * @runlog/onnx/internal: plumbing of the onnx flavor shared with runlog's own packages and tests.
 * Not part of the public API: names here may change or go in any release.
 *
 * @module @runlog/onnx/internal
 */
export { ONNX_PYTHON_PACKAGE_VERSION, ONNXRUNTIME_PYTHON_PACKAGE_VERSION, DEFAULT_PROVIDERS } from './onnx-flavor.js';
export { onnxSessionSource, isInferenceSession } from './onnx-session.js';
export { inspectOnnxHeader, looksLikeOnnxModel, type OnnxModelHeader } from './onnx-proto.js';
export { readOnnxModelHeader } from './onnx-model-header.js';
export { numpyDtypeOf, ortTypeOf, toOrtTensor, fromOrtTensor, isOrtTensor } from './tensor-convert.js';
