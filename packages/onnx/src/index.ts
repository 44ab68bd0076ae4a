/**
 * @runlog/onnx: the onnx flavor of MLflow Models for onnxruntime-node, and the onnxruntime-node
 * autolog plugin. Importing this module registers the flavor with @runlog/models
 * (saveModel/logModel/loadModel find it by itself); onnxruntime-node itself is loaded only when a
 * model is saved or loaded, or when autologging is enabled.
 *
 * @module @runlog/onnx
 */
import { registerOnnxFlavor } from './register.js';

registerOnnxFlavor();

export { registerOnnxFlavor };
export {
  onnxFlavor,
  ONNX_MODEL_FILE,
  type OnnxSaveFlavorOptions,
  type OnnxLoadFlavorOptions,
  type OnnxModelInput,
} from './onnx-flavor.js';
export { loadOnnxSession, type OnnxModelSource } from './onnx-session.js';
export { OnnxFlavorModel } from './onnx-model.js';
export { inferOnnxSignature } from './onnx-signature.js';
export { inspectOnnxModel, type OnnxModelInfo } from './onnx-proto.js';
export {
  onnxAutologPlugin,
  DEFAULT_LOG_EVERY_N_CALLS,
  DEFAULT_LOG_EVERY_MS,
  type OnnxAutologOptions,
} from './onnx-autolog-plugin.js';
export { withoutOnnxAutolog } from './autolog-suppress.js';
export type { OnnxSessionOptions, MlflowOnnxSessionOptions } from './session-options.js';
