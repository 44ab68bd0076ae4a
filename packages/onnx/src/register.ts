import { registerFlavor } from '@runlog/models';
import { onnxFlavor } from './onnx-flavor.js';

/**
 * Registers the onnx flavor with @runlog/models, so saveModel/logModel pick it for ONNX models and
 * loadModel for MLmodels with an `onnx` block. Idempotent (the registry deduplicates by name);
 * returns a function that unregisters it.
 */
export function registerOnnxFlavor(): () => void {
  return registerFlavor(onnxFlavor);
}
