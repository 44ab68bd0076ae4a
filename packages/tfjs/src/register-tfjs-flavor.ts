import { registerFlavor } from '@runlog/models';
import { tfjsFlavor } from './tfjs-flavor.js';

/**
 * Registers the tfjs flavor with @runlog/models, so `saveModel`/`logModel` take TF.js LayersModels
 * and `loadModel` loads models with a `tfjs` flavor block. Calling it again is harmless (flavors are
 * deduplicated by name). TF.js itself is not imported until the first save or load.
 * @returns a function that unregisters the flavor, if it is still the registered `tfjs` flavor.
 */
export function registerTfjsFlavor(): () => void {
  return registerFlavor(tfjsFlavor);
}
